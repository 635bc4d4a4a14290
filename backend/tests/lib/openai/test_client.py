"""What a failed OpenAI call means: timeouts told apart from broken connections."""

import aiohttp
import httpx2
import openai

from lib.openai.client import api_error_from_openai, timed_out


def _through_the_transport(cause: BaseException) -> openai.APITimeoutError:
    """The chain the SDK's aiohttp transport builds: aiohttp -> httpx2 -> openai."""
    request = httpx2.Request("POST", "http://upstream.test/v1/responses")
    try:
        try:
            try:
                raise cause
            except BaseException as exc:
                # The transport maps every aiohttp connection error to a connect timeout.
                raise httpx2.ConnectTimeout(str(exc)) from exc
        except httpx2.TimeoutException as exc:
            raise openai.APITimeoutError(request=request) from exc
    except openai.APITimeoutError as final:
        return final


def test_a_closed_pooled_connection_is_not_a_timeout() -> None:
    error = _through_the_transport(aiohttp.ServerDisconnectedError())
    assert not timed_out(error)
    assert api_error_from_openai(error).status_code == 502


def test_a_refused_connection_is_not_a_timeout() -> None:
    key = aiohttp.client_reqrep.ConnectionKey("upstream.test", 443, True, True, None, None, None)
    refused = aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))
    assert api_error_from_openai(_through_the_transport(refused)).status_code == 502


def test_a_read_that_took_too_long_is_a_timeout() -> None:
    error = _through_the_transport(aiohttp.SocketTimeoutError())
    assert timed_out(error)
    assert api_error_from_openai(error).status_code == 504
