namespace SelfImprove.Data.Generation;

/// <summary>Card intents.</summary>
internal static partial class SupportRouterPhrasings
{
    private static IntentPhrasing CardLostOrStolen => new(
        "card_lost_or_stolen",
        1.3,
        [
            "I lost my {card} {time} and need to block it.",
            "My {card} was stolen from my bag {time}.",
            "I can't find my {card} anywhere, please freeze it.",
            "I think I left my {card} at {shop} {time}, can you cancel it?",
            "My wallet was stolen in {country} with my {card} in it.",
            "How do I report a lost {card}?",
            "I need to cancel my {card}, it was stolen {time}.",
            "My purse got stolen at {shop}, please block my {card}.",
            "Lost my {card} {time}, can you send me a replacement?",
            "I dropped my {card} somewhere {time} and it's gone.",
            "Please put a stop on my {card}, I've lost it.",
            "I want to report my {card} as stolen.",
            "Someone took my {card} out of my pocket at {shop}.",
        ],
        [
            "my phone got nicked with {orbit_app} on it, can you freeze my {flex}",
            "lost my phone {time} and {orbitpay_wallet} is on it, lock everything down",
            "someone swiped my phone with my {flex} loaded in {orbitpay_wallet}, kill the card",
            "my {flex_card} has gone walkabout, how do I get a fresh one through {orbit_app}",
            "bag got robbed {time}, {flex_card} and the phone with {orbit_app} both gone",
            "need to report my {flex_card} as pinched, phone's gone too",
            "lost the phone that has my {flex} on it, freeze it before anyone taps with it",
            "how do I lock my {flex} from {orbit_app} on my laptop if my phone got stolen",
            "my phone got snatched on the bus, block the {flex} before they use {orbitpay_wallet}",
            "misplaced my {flex_card} at {shop} and can't find it, deactivate it",
        ]);

    private static IntentPhrasing CardNotWorking => new(
        "card_not_working",
        1.3,
        [
            "My {card} keeps getting declined at {shop}.",
            "My {card} isn't working, it got declined {time}.",
            "Why was my {card} declined when I have money in my {account}?",
            "My {card} doesn't work in the chip and PIN machine.",
            "Card declined at {merchant} {time} for no reason.",
            "The chip on my {card} seems damaged and it won't read.",
            "My {card} stopped working {time}.",
            "Every payment with my {card} is being rejected.",
            "My {card} won't work online or in shops.",
            "I tried to pay {amount} at {shop} and my {card} was refused.",
            "My {card} got declined abroad in {country}.",
            "The card reader at {shop} says my {card} is invalid.",
        ],
        [
            "my {flex} number gets rejected on every website",
            "{flex} keeps bouncing at checkout when I pick {bnpl}",
            "the {flex} in {orbit_app} shows as inactive so I can't buy anything",
            "payments on my {flex} just fail with card not supported",
            "{merchant} won't take my {flex}, says the details are invalid",
            "why does my {flex} get knocked back when I've got funds in {orbit_app}",
            "my {flex} looks fine in {orbit_app} but fails at every online checkout",
            "the virtual card from {orbit_app} isn't going through anywhere",
            "the {flex} I made for subscriptions keeps failing on {merchant}",
            "{orbit_app} says my {flex} is live but the payment got bounced at {merchant}",
        ]);

    private static IntentPhrasing CardNotArrived => new(
        "card_not_arrived",
        1.1,
        [
            "My new {card} hasn't arrived yet.",
            "I ordered a replacement {card} {days} ago and it still hasn't come.",
            "When will my {card} be delivered?",
            "Still waiting for my {card} to come in the post.",
            "My {card} was supposed to arrive {days} ago.",
            "I haven't received the {card} you sent me.",
            "How long does it take for a new {card} to arrive?",
            "My replacement {card} never showed up.",
            "Can you check where my {card} is? It's been {days}.",
            "The {card} you posted hasn't turned up at my address.",
            "I moved house, could my new {card} have gone to the old address?",
            "Can you track the delivery of my {card}?",
            "It's been {days} since you said my {card} was dispatched.",
        ],
        []);

    private static IntentPhrasing CardActivation => new(
        "card_activation",
        0.9,
        [
            "How do I activate my new {card}?",
            "I received my {card} but can't activate it.",
            "My new {card} arrived {time}, what do I need to do to start using it?",
            "Activation of my {card} keeps failing in the {app}.",
            "Where do I activate the {card} that came {time}?",
            "Does my {card} need activating before I use it?",
            "I got my replacement {card}, how do I turn it on?",
            "The {app} won't let me activate my {card}.",
            "Is my new {card} activated automatically?",
            "Do I need to make a chip and PIN purchase to activate my {card}?",
            "Trying to activate the {card} you sent but it says error.",
            "Can you activate my new {card} for me?",
        ],
        []);

    private static IntentPhrasing PinChange => new(
        "pin_change",
        0.8,
        [
            "How do I change my PIN?",
            "I want to change the PIN on my {card}.",
            "I forgot my PIN, can I reset it in the {app}?",
            "Can I set a new PIN for my {card} in the {app}?",
            "I forgot my PIN and now my {card} is locked, how do I reset it?",
            "Where can I view the PIN for my {card}?",
            "I'd like to pick a PIN for my {card} that's easier to remember.",
            "Can I change my PIN at the {atm}?",
            "Please help me reset the PIN on my {card}.",
            "I need to update my PIN, I think someone saw it at {shop}.",
            "Is it possible to choose my own PIN for the new {card}?",
            "How can I see my PIN again? I've forgotten it since {since}.",
        ],
        []);

    private static IntentPhrasing ContactlessNotWorking => new(
        "contactless_not_working",
        1.0,
        [
            "Contactless isn't working on my {card}.",
            "My {card} works with chip and PIN but not contactless.",
            "Tapping my {card} at {shop} doesn't work.",
            "Contactless payment failed at {shop} {time}.",
            "Why won't my {card} let me pay by tapping?",
            "Contactless on my {card} keeps getting declined, the chip is fine.",
            "I have to insert my {card} every time because contactless never works.",
            "My contactless payment was declined on the bus {time}.",
            "Is there a contactless limit? My tap payment of {amount} failed.",
            "My new {card} won't do contactless payments.",
            "The terminal at {shop} says insert card when I tap my {card}.",
            "How do I turn on contactless for my {card}?",
        ],
        [
            "NFC on my {flex_card} does nothing at the till",
            "since switching to {orbit_app} my physical card won't take tap payments",
            "the {flex_card} only works when I put it in the reader, tapping just fails",
            "tapping my {flex_card} at {shop} just beeps and declines",
            "my {flex_card} has the wave symbol but the reader never picks it up",
            "{orbit_app} says wave-to-pay is switched on but my {flex_card} still gets rejected",
            "the bus reader won't take my {flex_card} when I hold it against it",
            "is there a limit for touch payments on the {flex_card}? a {amount} one got refused",
            "got the {flex_card} and the touch-to-pay is dead",
            "the {flex_card} wave thing fails every time at {shop}, chip works fine",
        ]);

    private static IntentPhrasing AtmCashNotDispensed => new(
        "atm_cash_not_dispensed",
        0.8,
        [
            "The {atm} didn't give me my cash but my account was debited.",
            "I tried to withdraw {amount} and the {atm} gave me nothing.",
            "The {atm} took the money from my {account} but no cash came out.",
            "I withdrew {amount} at the {atm} {time} but only got part of it.",
            "The {atm} kept my cash, what do I do?",
            "No money came out of the {atm} but I've been charged {amount}.",
            "A cash withdrawal failed at the {atm} in {country} but still shows on my {account}.",
            "The {atm} errored halfway through and I didn't get my {amount}.",
            "I'm missing {amount} from a cash withdrawal that never came out.",
            "The {atm} said transaction complete but dispensed no notes.",
            "How do I claim back money from the {atm} that didn't pay out {time}?",
            "I got charged for a withdrawal at the {atm} {time} but received no cash.",
        ],
        []);
}
