// Placeholder until the module is written.
enum _SwitchboardTLSPlaceholder {}
