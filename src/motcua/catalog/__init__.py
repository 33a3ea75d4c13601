"""Catalogue of administrative procedures (thủ tục hành chính): limits, fees, documents, internal process."""
