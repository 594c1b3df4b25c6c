package dev.sva.topology.fabric;

import java.util.List;
import java.util.Objects;

/**
 * One PCI function as a host shows it (TOPOLOGY.md "The fabric model"). {@code multifunction == null} means "infer
 * from the slot" (several functions in one slot are multifunction, {@code pci_scan_slot}); {@code secondaryBus} and
 * {@code subordinateBus} are set for bridges only; {@code acs == null} means the function has no ACS capability, and
 * {@code acsUnknown} that the listing could not show it (lspci without root). {@code dmaAliases} are devfns on the
 * function's own bus added by quirks or the input. Identifiers are 16-bit values, or null when not known.
 */
public record PciFunction(PciAddress address, Integer vendorId, Integer deviceId,
                          Integer subsystemVendorId, Integer subsystemDeviceId,
                          PortType type, Boolean multifunction,
                          Integer secondaryBus, Integer subordinateBus,
                          Acs acs, boolean acsUnknown,
                          List<Integer> dmaAliases, List<Bar> bars,
                          int pasidBits, boolean pri, boolean ats, String driver,
                          boolean virtualFunction, String className) {

    public PciFunction {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(type, "type");
        dmaAliases = dmaAliases == null ? List.of() : List.copyOf(dmaAliases);
        bars = bars == null ? List.of() : List.copyOf(bars);
    }

    /** A function with only an address and type; the rest absent. For tests and hand-built fabrics. */
    public static PciFunction of(PciAddress address, PortType type) {
        return new PciFunction(address, null, null, null, null, type, null, null, null, null, false,
                List.of(), List.of(), 0, false, false, null, false, null);
    }

    public boolean isBridge() {
        return type.isBridge();
    }

    /** {@code vendor << 16 | device}, or -1 when either id is unknown. */
    public int vendorDevice() {
        return vendorId == null || deviceId == null ? -1 : (vendorId << 16) | deviceId;
    }

    public PciFunction withAcs(Acs newAcs) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, newAcs, newAcs == null && acsUnknown, dmaAliases, bars, pasidBits, pri,
                ats, driver, virtualFunction, className);
    }

    public PciFunction withIds(Integer vendor, Integer device) {
        return new PciFunction(address, vendor, device, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, acs, acsUnknown, dmaAliases, bars, pasidBits, pri, ats, driver,
                virtualFunction, className);
    }

    public PciFunction withSubsystem(Integer vendor, Integer device) {
        return new PciFunction(address, vendorId, deviceId, vendor, device, type, multifunction,
                secondaryBus, subordinateBus, acs, acsUnknown, dmaAliases, bars, pasidBits, pri, ats, driver,
                virtualFunction, className);
    }

    public PciFunction withBuses(Integer secondary, Integer subordinate) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondary, subordinate, acs, acsUnknown, dmaAliases, bars, pasidBits, pri, ats, driver,
                virtualFunction, className);
    }

    public PciFunction withMultifunction(Boolean mf) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, mf,
                secondaryBus, subordinateBus, acs, acsUnknown, dmaAliases, bars, pasidBits, pri, ats, driver,
                virtualFunction, className);
    }

    public PciFunction withAcsUnknown(boolean unknown) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, acs, unknown, dmaAliases, bars, pasidBits, pri, ats, driver,
                virtualFunction, className);
    }

    public PciFunction withDmaAliases(List<Integer> aliases) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, acs, acsUnknown, aliases, bars, pasidBits, pri, ats, driver,
                virtualFunction, className);
    }

    public PciFunction withBars(List<Bar> newBars) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, acs, acsUnknown, dmaAliases, newBars, pasidBits, pri, ats, driver,
                virtualFunction, className);
    }

    public PciFunction withCapabilities(int newPasidBits, boolean newPri, boolean newAts) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, acs, acsUnknown, dmaAliases, bars, newPasidBits, newPri, newAts, driver,
                virtualFunction, className);
    }

    public PciFunction withDriver(String newDriver) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, acs, acsUnknown, dmaAliases, bars, pasidBits, pri, ats, newDriver,
                virtualFunction, className);
    }

    public PciFunction withVirtualFunction(boolean vf) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, acs, acsUnknown, dmaAliases, bars, pasidBits, pri, ats, driver,
                vf, className);
    }

    public PciFunction withClassName(String name) {
        return new PciFunction(address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId, type, multifunction,
                secondaryBus, subordinateBus, acs, acsUnknown, dmaAliases, bars, pasidBits, pri, ats, driver,
                virtualFunction, name);
    }
}
