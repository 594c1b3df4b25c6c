package dev.sva.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The journal's encoding of engine commands: every type round-trips, and records of other versions read as documented. */
class StateChangeCodecTest {

    /** Every type of command, with extreme values: unsigned addresses above 2^63 are negative longs. */
    static final List<StateChange> EVERY_TYPE = List.of(
            new StateChange.NodePut(1, 20, 48, 57),
            new StateChange.DevicePut(1, 2, 3, 20, true, new int[]{0, 2}, new long[]{0xfe000000L, -4096L}, new long[]{4096, 1L << 40}),
            new StateChange.DevicePut(1, 9, 3, 0, false, new int[0], new long[0], new long[0]),
            new StateChange.PeerRoutes(2, new long[]{9, 10}, new int[]{0, 5}),
            new StateChange.DeviceRemoved(Long.MAX_VALUE),
            new StateChange.GroupAttached(3, 4),
            new StateChange.GroupDetached(3),
            new StateChange.Mapped(4, Long.MIN_VALUE, 4096, -1L & ~0xfffL, true, false),
            new StateChange.Unmapped(4, 0, 0),
            new StateChange.ContainerRemoved(4),
            new StateChange.AddressSpacePut(1, 5),
            new StateChange.RegionMapped(5, 0x7000000, 8192, 0x90000000L, false, true, true),
            new StateChange.RegionUnmapped(5, 0, 0),
            new StateChange.AddressSpaceRemoved(5),
            new StateChange.Bound(2, (1 << 20) - 1, 5, true),
            new StateChange.Unbound(2, 1));

    @Test
    void everyTypeRoundTripsInOrder() {
        String text = StateChangeCodec.encode(EVERY_TYPE);
        List<StateChange> back = StateChangeCodec.decode(text);
        assertThat(back).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(EVERY_TYPE);
        // the record classes name every type: a new one without an encoding fails here
        assertThat(StateChange.class.getPermittedSubclasses()).hasSize(15);
        assertThat(back.stream().map(Object::getClass).distinct()).hasSize(15);
    }

    @Test
    void oneCommandIsATypeNameAndItsFieldsInOrder() {
        assertThat(StateChangeCodec.encode(List.of(new StateChange.Mapped(12, 0x100000, 4096, 0x40000000, true, false))))
                .isEqualTo("[[\"Mapped\",12,1048576,4096,1073741824,true,false]]");
        assertThat(StateChangeCodec.encode(List.of())).isEqualTo("[]");
        assertThat(StateChangeCodec.decode("[]")).isEmpty();
        assertThat(StateChangeCodec.decode(" [ [ \"Unbound\" , 7 , 1 ] ] ")).singleElement()
                .isEqualTo(new StateChange.Unbound(7, 1));
    }

    @Test
    void fieldsAnOlderWriterDidNotHaveReadAsDefaultsAndFieldsANewerOneAddedAreSkipped() {
        assertThat(StateChangeCodec.decode("[[\"RegionMapped\",5,4096,4096,8192,true,true]]")).singleElement()
                .isEqualTo(new StateChange.RegionMapped(5, 4096, 4096, 8192, true, true, false));
        assertThat(StateChangeCodec.decode("[[\"PeerRoutes\",2,[9]]]")).singleElement()
                .satisfies(c -> assertThat(((StateChange.PeerRoutes) c).barIndex()).isEmpty());
        assertThat(StateChangeCodec.decode("[[\"Unbound\",7,1,\"later\",[1,[2]],false],[\"GroupDetached\",3]]"))
                .containsExactly(new StateChange.Unbound(7, 1), new StateChange.GroupDetached(3));
    }

    @Test
    void aCommandOfAnUnknownTypeOrMalformedTextIsRefused() {
        assertThatThrownBy(() -> StateChangeCodec.decode("[[\"Teleported\",1]]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown type Teleported");
        for (String bad : List.of("", "[", "[[\"Unbound\",7,1]", "[[\"Unbound\",x]]", "[[\"Unbound\",99999999999999999999]]",
                "[[\"Bound\",1,2,3,yes]]", "[[\"Unbound\",7,1]] x")) {
            assertThatThrownBy(() -> StateChangeCodec.decode(bad)).as(bad).isInstanceOf(RuntimeException.class);
        }
    }
}
