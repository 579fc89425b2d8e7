from api.domain.batch_codes import ALPHABET, check_symbol, is_valid_server_code, new_code


def test_new_codes_carry_a_valid_check_symbol():
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(is_valid_server_code(code) for code in codes)


def test_any_single_mistyped_symbol_is_caught():
    code = new_code()
    for position, symbol in enumerate(code):
        if symbol not in ALPHABET or position < 4:
            continue
        for other in ALPHABET.replace(symbol, ""):
            typo = code[:position] + other + code[position + 1 :]
            assert not is_valid_server_code(typo), typo


def test_the_check_symbol_follows_luhn_mod_32():
    # Luhn mod N of "1" (value 1, doubled: 2) needs 30 to reach a multiple of 32.
    assert check_symbol("1") == ALPHABET[30]
