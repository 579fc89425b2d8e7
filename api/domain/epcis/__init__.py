"""Our batch events as GS1 EPCIS 2.0 events (docs/standards.md): what each maps to, the
identifiers they name, the reference event hash and the document that carries them."""
