package dev.sva.device;

import dev.sva.core.Ids;
import dev.sva.core.NodeEntity;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hibernate.annotations.Fetch;
import org.hibernate.annotations.FetchMode;

/**
 * A PCI function. Written only under its node's lock. The driver is {@code null} (none),
 * {@code vfio-pci} (owned by userspace, viable) or the name of a host driver.
 */
@Entity
@Table(name = "device")
public class Device extends NodeEntity {

    public static final String VFIO_PCI = "vfio-pci";
    /**
     * The PCIe port service driver sets {@code driver_managed_dma} ({@code drivers/pci/pcie/portdrv.c}): it does
     * no DMA through the IOMMU API, so {@code iommu_device_use_default_domain()} never counts it as an owner.
     */
    public static final String PCIEPORT = "pcieport";

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

    /** A bridge or port of an imported fabric: whatever its driver, it never makes its group non-viable (rule 6). */
    @Column(name = "driver_managed_dma", nullable = false)
    private boolean driverManagedDma;

    /** The bridge whose ACS lacks RR|UF on this device's path ({@code pci_enable_pasid()}); null when isolated. */
    @Column(name = "pasid_blocked_by")
    private String pasidBlockedBy;

    /** The flags {@link #pasidBlockedBy} lacks, comma-separated. */
    @Column(name = "pasid_blocked_missing")
    private String pasidBlockedMissing;

    protected Device() {
    }

    public Device(long nodeId, long groupId, Bdf bdf, String driver, int pasidBits, boolean pri, boolean ats, List<Bar> bars) {
        super(nodeId);
        this.groupId = groupId;
        this.bdf = bdf.toString();
        this.driver = driver;
        this.pasidBits = pasidBits;
        this.pri = pri;
        this.ats = ats;
        this.bars = new ArrayList<>(bars);
    }

    /** A host (kernel) driver owns the device: its group is not viable for userspace (rule 6). */
    public boolean hasHostDriver() {
        return !driverManagedDma && isHostDriver(driver);
    }

    public static boolean isHostDriver(String driver) {
        return driver != null && !VFIO_PCI.equals(driver) && !PCIEPORT.equals(driver);
    }

    void bindDriver(String driver) {
        this.driver = driver;
    }

    /** Moves the device to another group: a topology import re-formed its group. Under the node's lock. */
    void moveTo(long groupId) {
        this.groupId = groupId;
    }

    /**
     * Takes what the host reported about this function; true when anything changed. Under the node's lock.
     */
    public boolean reportedAs(String driver, int pasidBits, boolean pri, boolean ats, List<Bar> bars, boolean driverManagedDma,
                              String pasidBlockedBy, String pasidBlockedMissing) {
        boolean changed = !matches(driver, pasidBits, pri, ats, bars, driverManagedDma, pasidBlockedBy, pasidBlockedMissing);
        if (changed) {
            this.driver = driver;
            this.pasidBits = pasidBits;
            this.pri = pri;
            this.ats = ats;
            if (!sameBars(bars)) {
                this.bars.clear();
                this.bars.addAll(bars);
            }
            this.driverManagedDma = driverManagedDma;
            this.pasidBlockedBy = pasidBlockedBy;
            this.pasidBlockedMissing = pasidBlockedMissing;
        }
        return changed;
    }

    /** Whether the device already is as the host reports it (see {@link #reportedAs}). */
    public boolean matches(String driver, int pasidBits, boolean pri, boolean ats, List<Bar> bars, boolean driverManagedDma,
                           String pasidBlockedBy, String pasidBlockedMissing) {
        return java.util.Objects.equals(this.driver, driver) && this.pasidBits == pasidBits && this.pri == pri
                && this.ats == ats && sameBars(bars) && this.driverManagedDma == driverManagedDma
                && java.util.Objects.equals(this.pasidBlockedBy, pasidBlockedBy)
                && java.util.Objects.equals(this.pasidBlockedMissing, pasidBlockedMissing);
    }

    /** Hibernate's collection compares by identity: the bars are compared as a plain list, record by record. */
    private boolean sameBars(List<Bar> other) {
        return List.copyOf(bars).equals(other);
    }

    public boolean driverManagedDma() {
        return driverManagedDma;
    }

    /** The bridge that keeps PASID off this device's path, or null. */
    public String pasidBlockedBy() {
        return pasidBlockedBy;
    }

    public String pasidBlockedMissing() {
        return pasidBlockedMissing;
    }

    /** Identifies the device in a problem's member list. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", publicId());
        m.put("bdf", bdf);
        m.put("driver", driver);
        return m;
    }

    public String publicId() {
        return Ids.DEVICE.format(id());
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
}
