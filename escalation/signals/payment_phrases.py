"""Regex fragments about payments, shared by the security and billing detectors.

Normalised text has no apostrophes ("didnt") and typos of the key words are already fixed.
"""

from __future__ import annotations

PAYMENT = (
    r"(?:payments?|charges?|transactions?|withdrawals?|withdrawl|withdrawn|debits?|"
    r"direct debit|purchases?|transfers?|deductions?|deducted|spending|withdraw|cash|money|"
    r"funds|fees?)"
)
PAYMENT_WORDS = (
    "payment payments charge charges transaction transactions withdrawal withdrawals "
    "withdrawl withdrawn withdraw debit debits purchase purchases transfer transfers "
    "deduction deductions deducted spending cash money funds fee fees"
)
_SURELY = r"(?:(?:am |im )?(?:pretty |quite |very |100 )?sure (?:that )?)?"
DISOWN = (
    rf"{_SURELY}(?:i|we) (?:really |definitely |certainly |honestly |actually )?"
    r"(?:did not|didnt|never|do not|dont|have not|havent|had not|hadnt|have never|had never|"
    r"ve never)(?: \w+)? (?:make|made|do|did|done|charge|charged|authori[sz]e|authori[sz]ed|"
    r"recogni[sz]e|approve|approved|recall|remember|buy|bought|withdraw|withdrew|set up|setup|"
    r"create|created|spend|spent|request|requested|sign up for|signed up for|know about|initiate|"
    r"initiated|perform|performed|submit|submitted|complete|completed|take out|took out|use|"
    r"used|go to|went to|deposit|deposited|put|purchase|purchased|order|ordered|pay|paid|"
    r"send|sent|transfer|transferred|agree to|agreed to|been to|been in|visited|visit)"
    r"|(?:i|we) (?:cant|cannot|couldnt|can not) (?:recall|remember|recogni[sz]e|identify|"
    r"explain|account for)"
    r"|(?:i|we) (?:dont|do not) know (?:who|where) (?:\w+ )?(?:made|did|took|withdrew|came)"
    r"|(?:i|we) (?:dont|do not) (?:think|believe|know if) (?:i|we) (?:made|did|authori[sz]ed|"
    r"spent|bought|withdrew)"
    r"|(?:im|i am|we are|were) not (?:familiar with|recogni[sz]ing|aware of)"
    r"|(?:i|we) (?:have |had )?never (?:seen|heard of)"
)
NOT_ME = (
    r"(?:(?:was not|wasnt|were not|werent|is not|isnt|are not|arent|not|never) (?:\w+ )?"
    r"(?:done by me|made by me|by me|me|mine|belong to me|ours)"
    r"|(?:shouldnt|should not) be (?:there|here|on (?:my|the) \w+))"
)
STRANGE = (
    r"(?:unknown|unrecogni[sz]ed|unfamiliar|strange|unusual|weird|mystery|mysterious|"
    r"unexplained|fraudulent|false|fake|suspicious|random)"
)
STRANGE_WORDS = (
    "unknown unrecognized unrecognised unfamiliar strange unusual weird mystery mysterious "
    "unexplained fraudulent false fake suspicious random"
)
TWICE = (
    r"(?:twice|two times|2 times|three times|3 times|multiple times|more than once|"
    r"several times|two separate times|double(?! ?check)|too many times|many times|repeatedly|"
    r"over and over|duplicate times)"
)
TWICE_WORDS = "twice times double once repeatedly over duplicate"
