"""Rate limits written the way the `limits` package reads them ("30/minute")."""

from limits import RateLimitItem, parse


def parse_rate_limit(text: str) -> RateLimitItem:
    """One limit; anything else (several limits, nonsense) is refused at start-up."""
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a rate limit such as '30/minute'") from None
