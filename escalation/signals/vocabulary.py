"""The words of a web shop's support chat, by class: what a store question is about.

Three readers share it: the dialogue acts (is a message about the store at all?), the
"same question" counter (which words of a question carry its meaning, and which rewordings
mean the same), and the offline responder's confidence (did the question match the
knowledge base on store words, or only on everyday ones like "write" or "open"?).
Pure data: no imports beyond the standard library.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Concepts a support question is about, each with the surface words that name it. A question
# is the same question when it names the same concepts, whatever words it uses. Intents
# (what the visitor wants done or known) weigh more than the things they are about.
INTENT_CONCEPTS: dict[str, frozenset[str]] = {
    "status": _words("""
        track tracking tracked trace status whereabouts arrive arrives arrived arriving
        arrival come comes coming came shown show turned late delayed delay yet transit
        follow received receive dispatched shipped
    """),
    "return": _words("return returns returned returning send sending sent back"),
    "refund": _words("""
        refund refunds refunded refunding reimburse reimbursed reimbursement money
        compensation
    """),
    "cancel": _words("cancel cancels cancelled canceled cancelling canceling cancellation stop"),
    "exchange": _words("exchange exchanges exchanged exchanging swap swapped replace replacement"),
    "login": _words("""
        login logon signin log logging password passwords pw pwd passcode locked lockout
        reset forgot forgotten access
    """),
    "signup": _words("signup register registration registering enroll create creating open"),
    "delete": _words("delete deleting deleted close closing closed remove removing rid deactivate"),
    "change": _words("""
        change changes changed changing edit editing modify modifying update updating
        correct correcting fix amend
    """),
    "cost": _words("""
        cost costs price prices pricing fee fees expensive cheap charge charges postage
        much
    """),
    "charge": _words("charged billed overcharged twice double duplicate debited taken"),
    "decline": _words("declined decline declines rejected refused failed failing fails error"),
    "invoice": _words("invoice invoices receipt receipts bill bills vat"),
    "discount": _words("""
        discount discounts promo promotion code codes coupon coupons voucher vouchers sale
    """),
    "gift": _words("gift giftcard giftcards"),
    "buy": _words("buy buying bought"),
    "address": _words("address addresses"),
    "billing": _words("billing"),
    "subscribe": _words("subscribe subscribed subscription newsletter newsletters marketing"),
    "unsubscribe": _words("unsubscribe unsubscribed unsubscribing optout"),
    "review": _words("review reviews rating ratings feedback"),
    "complaint": _words("complaint complaints complain complaining"),
    "hours": _words("hours opening opens weekend weekends sunday saturday holiday holidays"),
    "contact": _words("phone call contact contacting email chat"),
    "damage": _words("""
        damaged damage broken broke faulty defective cracked chipped scratched torn
        missing wrong incorrect
    """),
    "duration": _words("long days weeks time take takes"),
    "payment": _words("""
        pay paying paid payment payments method methods paypal klarna card cards
        credit debit
    """),
    "confirmation": _words("confirmation confirm confirmed"),
    "size": _words("size sizes sizing fit fits bigger smaller"),
    "colour": _words("colour color colours colors"),
    "stock": _words("stock restock sold available availability"),
    "international": _words("international abroad overseas country countries customs worldwide"),
    "express": _words("express fast faster quick quicker next nextday"),
    "membership": _words("membership member premium plus plan upgrade"),
}
OBJECT_CONCEPTS: dict[str, frozenset[str]] = {
    "order": _words("""
        order orders ordered purchase purchases purchased package packages parcel parcels
        shipment shipments stuff delivery
    """),
    "item": _words("item items product products goods article thing"),
    "account": _words("account accounts profile acct"),
    "shipping": _words("shipping ship ships shipped delivery deliver delivers delivered courier"),
}

# Words that say a message is about a web shop: its orders, deliveries, money and accounts.
# Everyday words that shop questions also use ("send", "open", "change", "time") are left
# out on purpose: "how do I send an email in gmail" shares them, and is no store question.
STORE_WORDS = _words("""
    shop shops store stores online webshop website checkout cart basket buy buying bought
    sell sells selling sold purchase purchases purchased order orders ordered ordering
    item items product products goods package packages parcel parcels shipment shipments
    shipping ship ships shipped delivery deliveries deliver delivers delivered courier
    postage dispatch dispatched tracking track tracked pickup warehouse
    return returns returned refund refunds refunded reimburse reimbursed reimbursement
    exchange exchanges exchanged cancel cancelled canceled cancellation warranty guarantee
    damaged faulty defective broken missing
    payment payments paid paypal klarna invoice invoices receipt receipts billing billed
    charged overcharged discount discounts promo coupon coupons voucher vouchers giftcard
    price prices pricing fee fees stock restock available availability size sizes colour
    color colours colors
    account accounts login password signup newsletter unsubscribe subscription membership
    customer customers complaint complaints address addresses review reviews feedback
    card cards declined decline code codes gift personal details upgrade hours
""")
