"""The signature world of tests/integrations/esign (one demo CA, its trust services, signed PDFs), shared here: the
verification tests upload what the real signer produced."""

from tests.integrations.esign.conftest import base_pdf, double_signed, esign, leader_signed

__all__ = ["base_pdf", "double_signed", "esign", "leader_signed"]
