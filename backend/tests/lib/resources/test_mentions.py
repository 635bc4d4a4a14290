"""Which containers and container files an upstream event names."""

from lib.resources.mentions import mentions_in
from tests.fakes.openai_server import FIXTURES_DIR


def test_the_recorded_code_interpreter_stream_names_its_container_and_cited_file() -> None:
    found = mentions_in((FIXTURES_DIR / "code_interpreter.sse").read_bytes())
    assert found == {
        "container": {"cntr_68d5f2ff755081909108df3898ede7a50cf76b1756858cda"},
        "container_file": {"cfile_68d5f31200208191afd3130709930804"},
    }


def test_an_id_the_model_writes_in_its_text_is_not_a_mention() -> None:
    # In a text delta a quote is always escaped: the model repeating an id claims nothing.
    delta = (
        b'{"type":"response.output_text.delta","delta":"\\"container_id\\": '
        b'\\"cntr_someone\\", \\"file_id\\": \\"cfile_else\\""}'
    )
    assert mentions_in(delta) == {}
    assert mentions_in(b'{"delta":"cntr_someone"}') == {}


def test_events_without_a_container_are_not_searched() -> None:
    assert mentions_in(b'{"type":"response.output_text.delta","delta":"file_id"}') == {}
