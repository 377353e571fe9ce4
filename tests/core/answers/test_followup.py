from app.core.answers.followup import is_follow_up, standalone_query


def test_follow_ups_borrow_the_subject():
    prev = ["What is the notice period for termination in the Apache License?"]
    q = standalone_query("and what about section 5?", prev)
    assert q == "What is the notice period for termination in the Apache License? section 5?"
    assert "Apache" in standalone_query("Does it apply to patents too?", prev)


def test_standalone_questions_stay_as_they_are():
    prev = ["What does the GPL say about warranty?"]
    q = "Which licence requires source code to be offered to network users of modified versions?"
    assert not is_follow_up(q)
    assert standalone_query(q, prev) == q


def test_first_question_is_never_rewritten():
    assert standalone_query("and section 5?", []) == "and section 5?"
