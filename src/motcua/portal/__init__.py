"""The citizen side: accounts, online filing, following a dossier, assisted filing, fee payment."""
