"""domlint: a linter for libvirt domain XML, centred on the <os> boot section."""
