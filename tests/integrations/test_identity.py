"""The population database adapter (CSDLQG về dân cư / VNeID) against its simulator over real HTTP."""

from __future__ import annotations

from datetime import date

import pytest

from motcua.config import Settings
from motcua.integrations.identity import (
    IdentityAnswer,
    IdentityRejected,
    IdentityUnavailable,
    PopulationDbClient,
    identity_adapter,
)
from motcua.integrations.simulators import DEMO_CITIZENS, PopulationDbSimulator


def test_registered_citizen_matches_with_vneid_level(identity: PopulationDbClient,
                                                     population_db: PopulationDbSimulator) -> None:
    """A registered number with its name and date of birth is a match, told with the account's VNeID level and the
    database's reference for the answer."""
    population_db.add("025301004321", "Vũ Thị Lan Anh", date(2001, 4, 17), vneid_level=1)

    answer = identity.verify(id_number="025301004321", full_name="Vũ Thị Lan Anh", birth_date=date(2001, 4, 17))

    assert answer.outcome == "match" and answer.matched and answer.vneid_level == 1
    assert answer.reference.startswith("CSDL")
    assert [(c.reference, c.result) for c in population_db.checks] == [(answer.reference, "match")]


def test_name_compared_without_diacritics_case_or_extra_spaces(identity: PopulationDbClient) -> None:
    """Names are compared folded: "  nguyen VAN   an " is Nguyễn Văn An (a name typed without Vietnamese keyboard)."""
    answer = identity.verify(id_number="025085001234", full_name="  nguyen VAN   an ")

    assert answer.outcome == "match" and answer.vneid_level == 2


def test_each_vneid_level_is_reported(identity: PopulationDbClient, population_db: PopulationDbSimulator) -> None:
    """The level is the account's: 0 without a VNeID account, 1 or 2 otherwise."""
    population_db.add("025090000001", "Ngô Văn Bình", vneid_level=0)
    population_db.add("025190000002", "Ngô Thị Cúc", vneid_level=1)
    population_db.add("025290000003", "Ngô Văn Dũng", vneid_level=2)

    levels = [identity.verify(id_number=n, full_name=name).vneid_level for n, name in
              (("025090000001", "Ngô Văn Bình"), ("025190000002", "Ngô Thị Cúc"), ("025290000003", "Ngô Văn Dũng"))]

    assert levels == [0, 1, 2]


def test_other_name_is_a_mismatch_without_level(identity: PopulationDbClient) -> None:
    """A number that exists with another person's name is a mismatch, and the VNeID level is not told."""
    answer = identity.verify(id_number="025085001234", full_name="Nguyễn Văn Anh")

    assert answer == IdentityAnswer("mismatch", 0, answer.reference) and not answer.matched


def test_other_birth_date_is_a_mismatch(identity: PopulationDbClient) -> None:
    """The right name with another date of birth is a mismatch too."""
    answer = identity.verify(id_number="025085001234", full_name="Nguyễn Văn An", birth_date=date(1985, 3, 13))

    assert answer.outcome == "mismatch" and answer.vneid_level == 0


def test_unknown_number_is_not_found(identity: PopulationDbClient) -> None:
    """A well-formed number nobody holds is not_found, level 0."""
    answer = identity.verify(id_number="025085999999", full_name="Nguyễn Văn An")

    assert answer.outcome == "not_found" and answer.vneid_level == 0 and answer.reference


def test_demo_citizens_are_seeded_and_consistent(identity: PopulationDbClient) -> None:
    """The default simulator knows the demo citizens; each ID's century digit and year agree with the birth date."""
    for citizen in DEMO_CITIZENS:
        assert citizen.birth_date is not None
        century, year = int(citizen.id_number[3]), int(citizen.id_number[4:6])
        assert 1900 + (century // 2) * 100 + year == citizen.birth_date.year
        answer = identity.verify(id_number=citizen.id_number, full_name=citizen.full_name,
                                 birth_date=citizen.birth_date)
        assert (answer.outcome, answer.vneid_level) == ("match", citizen.vneid_level)


@pytest.mark.parametrize("bad", ["02508500123", "0250850012345", "02508500123A", ""])
def test_malformed_number_refused_before_any_request(population_db: PopulationDbSimulator,
                                                     identity: PopulationDbClient, bad: str) -> None:
    """A number that is not 12 digits is refused locally (a ValueError): the database is never asked."""
    with pytest.raises(IdentityRejected) as caught:
        identity.verify(id_number=bad, full_name="Nguyễn Văn An")

    assert isinstance(caught.value, ValueError) and caught.value.status is None
    assert population_db.requests == 0


def test_spaces_inside_the_number_are_ignored(identity: PopulationDbClient) -> None:
    """A number typed in groups ("025 085 001 234") is the same number."""
    assert identity.verify(id_number="025 085 001 234", full_name="Nguyễn Văn An").outcome == "match"


def test_bad_api_key_is_rejected(population_db: PopulationDbSimulator) -> None:
    """A wrong API key is a permanent refusal (401 → IdentityRejected), not something to retry."""
    with PopulationDbClient(population_db.base_url, "wrong-key") as client, pytest.raises(IdentityRejected) as caught:
        client.verify(id_number="025085001234", full_name="Nguyễn Văn An")

    assert caught.value.status == 401 and not caught.value.retryable


def test_answer_slower_than_the_timeout_is_unavailable(population_db: PopulationDbSimulator) -> None:
    """A database that answers after the client's timeout gives no verdict: IdentityUnavailable (retryable)."""
    population_db.slow(5)
    with PopulationDbClient(population_db.base_url, population_db.api_key, timeout=0.2) as client, \
            pytest.raises(IdentityUnavailable) as caught:
        client.verify(id_number="025085001234", full_name="Nguyễn Văn An")

    assert caught.value.retryable


def test_outage_is_unavailable_then_recovers(identity: PopulationDbClient,
                                             population_db: PopulationDbSimulator) -> None:
    """503 and 429 are retryable (IdentityUnavailable); once the database is back the same question is answered."""
    population_db.fail_next(1, 503)
    with pytest.raises(IdentityUnavailable) as first:
        identity.verify(id_number="025085001234", full_name="Nguyễn Văn An")
    population_db.fail_next(1, 429)
    with pytest.raises(IdentityUnavailable) as second:
        identity.verify(id_number="025085001234", full_name="Nguyễn Văn An")

    answer = identity.verify(id_number="025085001234", full_name="Nguyễn Văn An")

    assert (first.value.status, second.value.status) == (503, 429)
    assert answer.outcome == "match"


def test_long_outage_then_recovery(identity: PopulationDbClient, population_db: PopulationDbSimulator) -> None:
    """During an outage (fail_all) every check is unavailable; after it ends checks are answered again."""
    population_db.fail_all(503)
    for _ in range(3):
        with pytest.raises(IdentityUnavailable):
            identity.verify(id_number="025085001234", full_name="Nguyễn Văn An")
    population_db.fail_all(None)

    assert identity.verify(id_number="025085001234", full_name="Nguyễn Văn An").matched


def test_database_down_is_unavailable() -> None:
    """A database that does not listen (connection refused) is unavailable, not an error of the request."""
    simulator = PopulationDbSimulator().start()
    url = simulator.base_url
    simulator.stop()
    with PopulationDbClient(url, "k") as client, pytest.raises(IdentityUnavailable):
        client.verify(id_number="025085001234", full_name="Nguyễn Văn An")


def test_factory_follows_settings(population_db: PopulationDbSimulator) -> None:
    """No identity_url: no adapter (checks off); a URL without a key is a configuration error; with both, a client
    that reaches the database."""
    assert identity_adapter(Settings(identity_url="")) is None
    with pytest.raises(ValueError, match="IDENTITY_API_KEY"):
        identity_adapter(Settings(identity_url=population_db.base_url, identity_api_key=""))

    adapter = identity_adapter(Settings(identity_url=population_db.base_url, identity_api_key=population_db.api_key,
                                        integration_http_timeout=5))

    assert isinstance(adapter, PopulationDbClient)
    try:
        assert adapter.verify(id_number="025085001234", full_name="Nguyễn Văn An").matched
    finally:
        adapter.close()


def test_the_registered_phone_is_told_only_for_a_match(identity: PopulationDbClient,
                                                       population_db: PopulationDbSimulator) -> None:
    """Asked with a phone, the database says whether it is the phone registered to the number (what VNeID level 2
    proves) — only for a match, so a phone never tells anything about a number that does not match."""
    population_db.add("025301004321", "Vũ Thị Lan Anh", date(2001, 4, 17), vneid_level=2, phone="0912000999")
    population_db.add("025301004322", "Vũ Văn Nam", date(2001, 4, 18), vneid_level=2)

    def ask(number: str, name: str, born: date, phone: str | None) -> tuple[str, str | None]:
        answer = identity.verify(id_number=number, full_name=name, birth_date=born, phone=phone)
        return answer.outcome, answer.phone_result

    assert ask("025301004321", "Vũ Thị Lan Anh", date(2001, 4, 17), "0912000999") == ("match", "match")
    assert ask("025301004321", "Vũ Thị Lan Anh", date(2001, 4, 17), "0912000998") == ("match", "mismatch")
    assert ask("025301004321", "Vũ Thị Lan Anh", date(2001, 4, 17), None) == ("match", None)
    assert ask("025301004321", "Vũ Thị Lan", date(2001, 4, 17), "0912000999") == ("mismatch", None)
    assert ask("025301004322", "Vũ Văn Nam", date(2001, 4, 18), "0912000999") == ("match", "not_registered")
    with pytest.raises(IdentityRejected):
        identity.verify(id_number="025301004321", full_name="Vũ Thị Lan Anh", phone="+84912000999")


def test_demo_citizens_have_distinct_registered_phones() -> None:
    """The demo population has dates of birth and registered phones (docs/portal.md lists them), one phone each."""
    phones = [c.phone for c in DEMO_CITIZENS if c.phone is not None]
    assert len(phones) == len(set(phones)) >= 5
    assert all(c.birth_date is not None for c in DEMO_CITIZENS)
