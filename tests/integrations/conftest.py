"""Fixtures of the integration tests: the population database and payment gateway simulators over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from motcua.integrations.identity import PopulationDbClient
from motcua.integrations.payment import PaymentGatewayClient
from motcua.integrations.simulators import PaymentSimulator, PopulationDbSimulator


@pytest.fixture
def population_db() -> Iterator[PopulationDbSimulator]:
    with PopulationDbSimulator() as simulator:
        yield simulator


@pytest.fixture
def identity(population_db: PopulationDbSimulator) -> Iterator[PopulationDbClient]:
    with PopulationDbClient(population_db.base_url, population_db.api_key, timeout=5.0) as client:
        yield client


@pytest.fixture
def gateway() -> Iterator[PaymentSimulator]:
    with PaymentSimulator() as simulator:
        yield simulator


@pytest.fixture
def payment(gateway: PaymentSimulator) -> Iterator[PaymentGatewayClient]:
    with PaymentGatewayClient(gateway.base_url, gateway.merchant_id, gateway.secret, timeout=5.0) as client:
        yield client
