"""The claim check on the real embedding model: copied statements pass, altered facts do not."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from app.core.answers.claims import check_claims, defined_terms, months, numbers, split_claims
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)

LEASE = ("The Tenant may terminate this Lease by giving ninety (90) days' written notice to the Landlord. "
         "This Lease is governed by the laws of Germany and the courts of Munich have jurisdiction.")
DEPOSIT = ("Before the Commencement Date of 1 March 2024 the Tenant shall pay a security deposit of EUR 5.000 "
           "to Acme Properties GmbH.")
PASSAGES = [LEASE, DEPOSIT]


def check(embedder, answer):
    return check_claims(answer, PASSAGES, embedder.embed_passages)


def test_sentences_join_back_into_the_answer():
    answer = ("The rent is due monthly [1]. See e.g. Art. 5 of the lease.[2] It ends on 1. March.\n"
              "- first item\n- second item [1][2]\nDone!")
    parts = split_claims(answer)
    assert "".join(parts) == answer
    assert parts[0] == "The rent is due monthly [1]. "
    assert parts[1].startswith("See e.g. Art. 5 of the lease.[2]")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?\n[]12\"'A"))))
def test_splitting_never_loses_or_adds_a_character(text):
    assert "".join(split_claims(text)) == text


def test_a_statement_copied_from_its_source_is_supported(embedder):
    claims = check(embedder, "The Tenant may terminate this Lease by giving ninety (90) days' written notice [1].")
    assert [(c.supported, c.sources) for c in claims] == [(True, [1])]


def test_a_changed_number_is_unsupported_and_says_which(embedder):
    [claim] = check(embedder, "The Tenant may terminate this Lease by giving three months' written notice [1].")
    assert not claim.supported and claim.sources == [1]
    assert claim.reason == "the number 3 does not appear in [1]"


def test_a_changed_amount_date_or_party_is_unsupported(embedder):
    for altered in ("The Tenant shall pay a security deposit of EUR 7.000 to Acme Properties GmbH [2].",
                    "Before the Commencement Date of 1 April 2024 the Tenant shall pay the deposit [2].",
                    "The Tenant shall pay a security deposit of EUR 5.000 to Baker Estates GmbH [2]."):
        [claim] = check(embedder, altered)
        assert not claim.supported, altered


def test_a_claim_supported_by_another_passage_than_the_cited_one(embedder):
    [claim] = check(embedder, "The Tenant shall pay a security deposit of EUR 5.000 to Acme Properties GmbH [1].")
    assert claim.supported and claim.sources == [2] and "not by the cited [1]" in claim.reason


def test_saying_the_documents_do_not_answer_is_not_a_fact_to_check(embedder):
    claims = check(embedder, "The documents do not say who pays for repairs. The deposit is EUR 5.000 [2].")
    assert [c.supported for c in claims] == [True, True]
    assert claims[0].reason == "says the documents do not answer this"


def test_without_passages_every_statement_is_unsupported(embedder):
    [claim] = check_claims("The deposit is EUR 5.000.", [], embedder.embed_passages)
    assert not claim.supported and claim.reason == "no source to check it against"


def test_hostile_answers_give_claims_not_errors(embedder):
    assert check(embedder, "") == []
    only_markers = check(embedder, "[1][2] ...")
    assert all(c.supported and c.reason == "no statement to check" for c in only_markers)
    long = "The Tenant may terminate this Lease. " * 500
    claims = check(embedder, long)
    assert "".join(c.text for c in claims) == long and len(claims) == 500


def test_facts_are_read_in_several_notations():
    assert {5000.0, 5000.5, 90.0} <= numbers("EUR 5,000 or 5.000,50 within ninety days")
    assert months("on 2024-03-01 and 5 May 2020") == {3, 5} and months("you may go") == set()
    assert defined_terms('The "Premises" belong to Acme Properties GmbH under the GDPR.') == {
        "premises", "acme properties gmbh", "gdpr"}


def test_a_number_from_another_context_of_the_passage_does_not_count(embedder):
    passages = ["Section 12 covers repairs. The Tenant may terminate by giving 30 days' written notice."]
    [claim] = check_claims("The Tenant may terminate by giving 12 days' written notice [1].", passages,
                           embedder.embed_passages)
    assert not claim.supported and claim.reason == "the number 12 appears in another context in [1]"


def test_a_factual_negative_is_checked_not_taken_for_a_refusal(embedder):
    [claim] = check(embedder, "The Lease does not allow the Tenant to sublet to Baker Estates GmbH [1].")
    assert not claim.supported and claim.reason != "says the documents do not answer this"


def test_a_list_items_number_is_not_a_fact_it_states(embedder):
    answer = ("The lease sets out:\n7. The Tenant may terminate this Lease by giving ninety (90) days' written "
              "notice [1].\n8) Termination\n- 14 days\n")
    claims = check(embedder, answer)
    assert "".join(c.text for c in claims) == answer
    by_text = {c.text.strip(): c for c in claims}
    markers = [c for c in claims if c.text.strip() in ("7.", "8)", "-")]
    assert all(c.reason == "no statement to check" for c in markers)  # "7." and "8)" are no facts to back
    item = next(c for t, c in by_text.items() if t.startswith("The Tenant may terminate"))
    assert item.supported, item.reason
    fourteen = next(c for t, c in by_text.items() if "14 days" in t)
    assert not fourteen.supported and "14" in fourteen.reason  # a number that is the statement still counts