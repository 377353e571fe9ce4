"""Reading a question in the light of the conversation: word cues, then the closer search decides."""
from app.core.answers.followup import EXPLICIT, NONE, POSSIBLE, dependence, joined_query
from tests.core.answers.test_rag import libraries, retriever  # noqa: F401  (fixtures: two indexed libraries)
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)


def test_wording_says_whether_a_question_may_depend_on_the_one_before():
    assert dependence("And what about version 2?") == EXPLICIT
    assert dependence("What about the deposit?") == EXPLICIT
    assert dependence("Does it say anything about patents?") == POSSIBLE
    assert dependence("What is the governing law?") == POSSIBLE  # short: only the search can tell
    assert dependence("Which licence requires source code to be offered to network users of modified versions?") == NONE
    assert dependence("") == NONE


def test_the_joined_query_borrows_the_subject_without_the_leading_and():
    prev = ["What is the notice period for termination in the Apache License?"]
    assert joined_query("and what about section 5?", prev) == f"{prev[0]} section 5?"
    assert joined_query("And does it apply to patents too?", prev) == f"{prev[0]} does it apply to patents too?"
    assert joined_query("and section 5?", []) == "and section 5?"


def test_a_real_follow_up_is_searched_with_the_question_it_follows(libraries, retriever):  # noqa: F811
    libs, _ = libraries
    first = "How long does the Okafor residential lease run?"
    turn = retriever.retrieve_turn([libs["Okafor"]], "And how can it be ended?", [first], top_k=3)
    assert turn.query == joined_query("And how can it be ended?", [first])
    assert 3 in [p.page for p in turn.passages]  # the termination clause


def test_a_new_topic_keeps_its_own_best_passage_first(libraries, retriever):  # noqa: F811
    libs, _ = libraries
    question = "What did the caretaker see?"  # short: the wording might lean on the question before
    turn = retriever.retrieve_turn([libs["Okafor"]], question, ["When does the lease begin?"], top_k=3)
    assert turn.passages[0].file.endswith("memo.md")


def test_a_self_contained_question_is_searched_alone(libraries, retriever):  # noqa: F811
    libs, _ = libraries
    question = "Which court or arbitration settles disputes about the residential lease with Mrs Okafor?"
    turn = retriever.retrieve_turn([libs["Okafor"]], question, ["What did the caretaker see?"], top_k=3)
    assert turn.query == question and 4 in [p.page for p in turn.passages]


def test_fused_rankings_count_a_passage_once_and_favour_agreement():
    from app.core.answers.rag import Passage, fuse_rankings

    def p(page):
        return Passage("L", "/m/a.pdf", page, None, f"page {page}", 0.0, None, chunks=[page])

    fused = fuse_rankings([[p(1), p(2), p(3)], [p(4), p(2), p(5)]], limit=4)
    assert [x.page for x in fused] == [2, 1, 4, 3]
