package dev.sva.device;

import dev.sva.core.Ids;
import dev.sva.core.Timestamps;
import jakarta.persistence.CollectionTable;
import org.hibernate.annotations.Fetch;
import org.hibernate.annotations.FetchMode;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderBy;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PCI function. Written only under its node's lock. The driver is {@code null} (none),
 * {@code vfio-pci} (owned by userspace, viable) or the name of a host driver.
 */
@Entity
@Table(name = "device")
public class Device {

    public static final String VFIO_PCI = "vfio-pci";

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "device_seq")
    @SequenceGenerator(name = "device_seq", sequenceName = "device_seq", allocationSize = 50)
    private Long id;

    @Column(name = "node_id", nullable = false)
    private long nodeId;

    @Column(name = "group_id", nullable = false)
    private long groupId;

    @Column(nullable = false)
    private String bdf;

    private String driver;

    @Column(name = "pasid_bits", nullable = false)
    private int pasidBits;

    @Column(nullable = false)
    private boolean pri;

    @Column(nullable = false)
    private boolean ats;

    // SUBSELECT: a query that loads N devices loads all their BARs in one more select, not N
    @ElementCollection(fetch = FetchType.EAGER)
    @Fetch(FetchMode.SUBSELECT)
    @CollectionTable(name = "device_bar", joinColumns = @JoinColumn(name = "device_id"))
    @OrderBy("index")
    private List<Bar> bars = new ArrayList<>();

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected Device() {
    }

    public Device(long nodeId, long groupId, Bdf bdf, String driver, int pasidBits, boolean pri, boolean ats, List<Bar> bars) {
        this.nodeId = nodeId;
        this.groupId = groupId;
        this.bdf = bdf.toString();
        this.driver = driver;
        this.pasidBits = pasidBits;
        this.pri = pri;
        this.ats = ats;
        this.bars = new ArrayList<>(bars);
        this.createdAt = Timestamps.now();
    }

    /** A host (kernel) driver owns the device: its group is not viable for userspace (rule 6). */
    public boolean hasHostDriver() {
        return isHostDriver(driver);
    }

    public static boolean isHostDriver(String driver) {
        return driver != null && !VFIO_PCI.equals(driver);
    }

    public void bindDriver(String driver) {
        this.driver = driver;
    }

    /** Identifies the device in a problem's member list. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", publicId());
        m.put("bdf", bdf);
        m.put("driver", driver);
        return m;
    }

    public long id() {
        return id;
    }

    public String publicId() {
        return Ids.DEVICE.format(id);
    }

    public long nodeId() {
        return nodeId;
    }

    public long groupId() {
        return groupId;
    }

    public String bdf() {
        return bdf;
    }

    public String driver() {
        return driver;
    }

    public int pasidBits() {
        return pasidBits;
    }

    /** Whether PASID {@code pasid} fits this device's width (rule 9). */
    public boolean carries(int pasid) {
        return pasidBits > 0 && pasid < (1 << pasidBits);
    }

    public boolean pri() {
        return pri;
    }

    public boolean ats() {
        return ats;
    }

    public List<Bar> bars() {
        return bars;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
