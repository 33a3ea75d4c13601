"""Every write of the citizen side (house rule 2): accounts, online filing, payments."""
