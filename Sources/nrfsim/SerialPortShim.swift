import Foundation

/// The supported fix for tools that only open ports pyserial enumerates (nrfcredstore 2.1.0 `select_device()`,
/// `nrfcredstore/comms.py:200-231`; pyserial 3.5 `comports()`, `serial/tools/list_ports_linux.py:91-98`).
///
/// nrfcredstore and nrfcloud-utils refuse a port unless `serial.tools.list_ports.comports()` lists it, and pyserial
/// never lists `/dev/pts/N`. The device writes a `sitecustomize.py` into its state directory that adds its pty (and
/// any port named in `VIRTUALMODEM_PORT`, separated by `:`) to that list. Putting the directory on `PYTHONPATH`
/// lets the unmodified tools drive the virtual modem; nothing else in Python changes.
enum SerialPortShim {
    /// Writes the shim for `port` and returns the directory to put on `PYTHONPATH`.
    static func install(in stateDirectory: String, port: String) throws -> String {
        let directory = URL(fileURLWithPath: stateDirectory).appendingPathComponent("pyserial-shim").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/sitecustomize.py"
        try Self.source(port: port).write(toFile: file, atomically: true, encoding: .utf8)
        return directory
    }

    static func source(port: String) -> String {
        """
        # Written by nrfsim device: lists nrfsim's virtual modem ports among pyserial's serial ports, so that
        # nrfcredstore and nrfcloud-utils accept them. Put this directory on PYTHONPATH to use it.
        import os as _os

        _NRFSIM_PORTS = [\(Self.pythonString(port))] + [
            p for p in _os.environ.get("VIRTUALMODEM_PORT", "").split(":") if p
        ]

        try:
            import serial.tools.list_ports as _list_ports
            from serial.tools.list_ports_common import ListPortInfo as _ListPortInfo
        except ImportError:  # not a pyserial program
            _list_ports = None

        if _list_ports is not None:
            _original_comports = _list_ports.comports

            def _nrfsim_comports(*args, **kwargs):
                ports = list(_original_comports(*args, **kwargs))
                for path in _NRFSIM_PORTS:
                    real = _os.path.realpath(path)
                    if _os.path.exists(real) and not any(p.device == real for p in ports):
                        info = _ListPortInfo(real, skip_link_detection=True)
                        info.description = "nrfsim virtual modem"
                        info.manufacturer = "nrfsim"
                        ports.append(info)
                return ports

            _list_ports.comports = _nrfsim_comports

        """
    }

    private static func pythonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
