from actions.content import describe_signs, plain_list


def test_plain_list_reads_like_a_person():
    assert plain_list([]) == ""
    assert plain_list(["a"]) == "a"
    assert plain_list(["a", "b"]) == "a and b"
    assert plain_list(["a", "b", "c"]) == "a, b and c"


def test_unknown_sign_ids_are_left_out():
    assert describe_signs(["injuries", "made_up"]) == "injuries"
