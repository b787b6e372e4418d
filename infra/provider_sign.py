"""Signs a webhook request body with the providers' own code, for end-to-end tests.

  provider_sign.py retell --timestamp MS < body          Retell's x-retell-signature (retell-sdk's webhook_auth)
  provider_sign.py twilio --url URL < form-body          Twilio's X-Twilio-Signature (twilio's RequestValidator)

The signing key is read from the environment variable PROVIDER_SIGNING_KEY, never from the command
line (which other processes can read). Prints the header value, nothing else.
"""
import argparse
import os
import sys
from urllib.parse import parse_qsl

from retell.lib import webhook_auth
from twilio.request_validator import RequestValidator


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("provider", choices=["retell", "twilio"])
    parser.add_argument("--timestamp", type=int, help="Retell: the signature's time in epoch ms (default: now)")
    parser.add_argument("--url", help="Twilio: the URL Twilio calls, as configured")
    args = parser.parse_args()
    key = os.environ.get("PROVIDER_SIGNING_KEY")
    if not key:
        print("provider_sign: PROVIDER_SIGNING_KEY is not set", file=sys.stderr)
        return 2
    # The SDKs sign text: the body as the UTF-8 it is.
    body = sys.stdin.buffer.read().decode("utf-8")
    if args.provider == "retell":
        print(webhook_auth.symmetric["sign"](body, key, args.timestamp))
    else:
        if not args.url:
            print("provider_sign: twilio needs --url", file=sys.stderr)
            return 2
        params = dict(parse_qsl(body, keep_blank_values=True))
        print(RequestValidator(key).compute_signature(args.url, params))
    return 0


if __name__ == "__main__":
    sys.exit(main())
