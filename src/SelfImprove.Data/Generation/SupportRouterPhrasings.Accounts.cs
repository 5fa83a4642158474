namespace SelfImprove.Data.Generation;

/// <summary>Account, purchase-problem and fraud intents.</summary>
internal static partial class SupportRouterPhrasings
{
    private static IntentPhrasing AccountClosure => new(
        "account_closure",
        0.7,
        [
            "I want to close my {account}.",
            "How do I close my {account} with you?",
            "Please close my {account} and send the balance to my other bank.",
            "I'd like to cancel my {account} completely.",
            "What's the process for shutting down my {account}?",
            "I'm moving to another bank and want to close this {account}.",
            "Can I close my {account} online or do I need to call?",
            "Please terminate my {account}, I no longer need it.",
            "I want to end my relationship with the bank and close my {account}.",
            "How long does it take to close my {account}?",
            "Close my {account} please, I'm unhappy with the service since {since}.",
            "Is there a fee for closing my {account}?",
            "I'd like to cancel my {account} and all the direct debits on it.",
        ],
        [
            "delete my {orbit} profile {for_good}",
            "how do I wipe my {orbit} account and all my data {for_good}",
            "I'm done with {orbit_app}, nuke my profile and send my money elsewhere",
            "want my whole profile gone from {orbit_app}, not just the app uninstalled",
            "can you permanently remove me from {orbit_app} and shut the {flex} down too",
            "deactivate my {orbit} account, I've switched to {other_bank}",
            "how do I offboard from {orbit_app} {for_good}",
            "erase my {orbit} profile and pay out whatever money is left",
            "I don't just want to log out, I want my {orbit} account deleted {for_good}",
            "delete everything, my {orbit} login, {flex}, the lot",
        ]);

    private static IntentPhrasing OpenAccount => new(
        "open_account",
        0.8,
        [
            "I'd like to open a new {account}.",
            "How can I open a {account_type} with you?",
            "What do I need to open a {account_type} with your bank?",
            "Can I open a savings account for my child?",
            "I want to open a second {account}.",
            "What documents do I need to open a new {account}?",
            "Can I open an account online if I live in {country}?",
            "Is it possible to open a business account?",
            "How long does it take to open a new {account}?",
            "I've just moved here from {country} and want to open a {account_type}.",
            "Can students open a {account_type} with no monthly fee?",
            "Please sign me up for a new {account}.",
            "Can I open a {account_type} in the {app} today?",
        ],
        []);

    private static IntentPhrasing RefundRequest => new(
        "refund_request",
        1.4,
        [
            "I returned a {item} to {retailer} and still haven't got my refund.",
            "When will my refund from {merchant} show up?",
            "{merchant} said they refunded {amount} {days} ago but it's not in my {account}.",
            "How long do refunds take to appear on my {card}?",
            "I cancelled my order with {retailer}, how do I get my money back?",
            "I'm waiting on a refund of {amount} from {merchant}.",
            "The refund for my cancelled {retailer} order hasn't arrived.",
            "I sent back a {item} and need the {amount} refunded.",
            "Can you chase the refund {merchant} promised me {time}?",
            "My refund is missing, {merchant} says it was sent {time}.",
            "Where is my refund for the {item} I returned?",
            "How do I get a refund for a {item} I sent back to {retailer}?",
            "{merchant} confirmed my return but the {amount} hasn't come back to my {card}.",
        ],
        [
            "sent the {item} back but the {bnpl} instalments are still coming out",
            "{merchant} refunded to my {flex} but I deleted it, where does the money go",
            "{merchant} says the money went back to the old {flex} I binned, where is it now",
            "parcel went back to {merchant} {days} ago and my {bnpl} balance hasn't dropped",
            "{merchant} says they sent my money back through {orbitpay_wallet}, still nothing showing",
            "returned stuff I bought on {bnpl}, how do I get the first payment back",
            "money from my {merchant} return still not back in {orbit_app} after {days}",
            "my {flex} return is stuck somewhere, {merchant} says the cash went back {time}",
            "{merchant} accepted my return but {orbit_app} still shows the {amount} as spent",
            "cancelled my {retailer} order but the {bnpl} plan still shows the full amount",
        ]);

    private static IntentPhrasing DisputeCharge => new(
        "dispute_charge",
        1.0,
        [
            "I want to dispute a charge from {merchant}.",
            "{merchant} charged me {amount} for something I never received.",
            "How do I raise a chargeback for a purchase from {merchant}?",
            "I was charged for a subscription I cancelled with {merchant}.",
            "The merchant won't refund me, can the bank dispute the payment?",
            "I paid {retailer} {amount} but the {item} never arrived, I want to challenge it.",
            "Please open a dispute on a {amount} transaction from {time}.",
            "I need to contest a payment to {merchant}, the service wasn't provided.",
            "{merchant} is refusing my refund so I want to file a chargeback.",
            "I was charged by {merchant} after cancelling and I'd like to dispute it.",
            "How do I challenge a {card} payment that the seller won't resolve?",
            "Can you reverse my payment to {merchant}? They never delivered.",
        ],
        [
            "the seller ghosted me after a {flex} payment, can {orbit_app} claw it back",
            "raise a case on an {orbitpay} purchase, the {item} never turned up",
            "bought a {item} on {bnpl} and it never came, can you contest it",
            "seller ghosted me after I paid with {orbitpay_wallet}",
            "need to open a claim on a {flex} charge for a service that never happened",
            "{bnpl} purchase from a shop that's gone bust, can I get it charged back",
            "can {orbit_app} fight a charge for me? the merchant stopped replying",
            "flag a {flex} transaction for me, the order never came and the seller won't answer",
            "bought {crypto} with my {flex} and the platform never credited it, want my money clawed back",
            "seller keeps taking {orbitpay} payments for a subscription I cancelled",
        ]);

    private static IntentPhrasing WrongAmountCharged => new(
        "wrong_amount_charged",
        0.9,
        [
            "I was charged {amount} but the price was lower.",
            "{merchant} took more than the agreed amount from my {card}.",
            "The amount on my {account} is different from my receipt at {shop}.",
            "I got charged twice for the same purchase at {merchant}.",
            "Why was I charged {amount} instead of the listed price?",
            "The payment to {merchant} came out higher than I authorised.",
            "My {card} was debited for the wrong amount at {shop}.",
            "I paid in {country} and the charged amount doesn't match the bill.",
            "There's an extra {amount} on my transaction from {merchant}.",
            "{merchant} charged me double {time}.",
            "The total taken from my {account} is more than what I spent at {shop}.",
            "I was overcharged at {shop} {time}.",
            "My {amount} purchase at {merchant} shows as a bigger amount.",
        ],
        []);

    private static IntentPhrasing SuspiciousActivity => new(
        "suspicious_activity",
        1.2,
        [
            "There's a transaction on my {account} I don't recognise.",
            "I see a payment of {amount} to {merchant} that I didn't make, is it fraud?",
            "I think someone has been using my {card} fraudulently.",
            "Strange payments from {country} appeared on my {card}.",
            "I got a text about a {amount} purchase I never made.",
            "Someone accessed my online banking without my permission {time}.",
            "There are unauthorised transactions on my {card}.",
            "I think my {card} details have been stolen and used online.",
            "Please check a suspicious {amount} payment from {time}.",
            "I think I've been scammed by a caller claiming to be from the bank.",
            "There are several unauthorised small charges from {merchant} I know nothing about.",
            "Is this fraud? There's a {amount} charge from {merchant} I don't know.",
        ],
        [
            "someone's been using my {flex} details",
            "got a {passkey} request I didn't make, is someone in my account",
            "random {crypto} purchases on my statement that aren't me",
            "there's an {orbitpay} payment to {merchant} I never did",
            "a new device got added to my {orbit} and it isn't mine",
            "a {bnpl} plan was opened in my name that I never signed up for",
            "my {flex} got used for {crypto} buys overnight, wasn't me",
            "{orbit_app} pinged me about a login from {country} and it wasn't me",
            "who is spending on my {flex}?? {amount} gone to {merchant} and I never authorised it",
            "pretty sure it's fraud, sketchy {orbitpay} charges keep popping up that I didn't approve",
        ]);
}
