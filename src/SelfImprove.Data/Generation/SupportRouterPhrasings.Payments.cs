namespace SelfImprove.Data.Generation;

/// <summary>Transfer, direct debit, top-up and pricing intents.</summary>
internal static partial class SupportRouterPhrasings
{
    private static IntentPhrasing TransferFailed => new(
        "transfer_failed",
        1.1,
        [
            "My bank transfer to {payee} failed.",
            "I tried sending {amount} to {payee} but it was rejected.",
            "Why did my transfer to {payee} bounce back?",
            "The payment to {payee} says failed, what went wrong?",
            "My international transfer to {country} was returned.",
            "I got an error when transferring money to {payee} {time}.",
            "My transfer was declined {time} and the money is back in my {account}.",
            "I can't send money to {payee}, it keeps failing.",
            "Why did the bank cancel my transfer to {payee}?",
            "My payment of {amount} to {payee} didn't go through.",
            "The funds came back after my transfer to {payee} was unsuccessful.",
            "Why was my transfer to {country} rejected?",
        ],
        []);

    private static IntentPhrasing TransferPending => new(
        "transfer_pending",
        1.3,
        [
            "My transfer to {payee} is still pending.",
            "I sent {amount} to {payee} {time} and it hasn't arrived yet.",
            "How long does a transfer to {country} take?",
            "The money left my {account} but {payee} hasn't received it.",
            "My payment to {payee} has been processing for {days}.",
            "Why is my transfer to {payee} showing as pending?",
            "When will my transfer to {payee} arrive?",
            "{payee} is still waiting for the {amount} I sent {time}.",
            "My international transfer to {country} has been in progress for {days}.",
            "The transfer status says pending, is something wrong with my {account}?",
            "Can you check where my transfer of {amount} is?",
            "It's been {days} and my transfer to {payee} still hasn't arrived.",
        ],
        [
            "instant send in {orbit_app} still says processing",
            "my {crypto} withdrawal is stuck on pending",
            "sent money to {payee} through {orbitpay_wallet} and it's still spinning",
            "{orbit_app} shows my payment to {payee} as on its way for {days} now",
            "why is my {orbit} instant transfer not instant, {payee} still hasn't got it",
            "cashing out {crypto} to my {account} has been stuck since {since}",
            "the send-to-contact in {orbit_app} is hanging and {payee} hasn't got it",
            "my {amount} {orbitpay} transfer to {payee} just sits in processing",
            "{orbit_app} says sent but {payee} says nothing landed, it's been {days}",
            "split-the-bill payment in {orbit_app} stuck as pending since {since}",
        ]);

    private static IntentPhrasing AddBeneficiary => new(
        "add_beneficiary",
        0.7,
        [
            "How do I add a new payee?",
            "I want to add {payee} as a beneficiary.",
            "Can I set up a new recipient for transfers in the {app}?",
            "Adding a payee in the {app} keeps failing with an error.",
            "How do I save {payee}'s bank details for future payments?",
            "Where do I add a new beneficiary in {country}?",
            "I need to add {payee}'s account so I can pay them.",
            "What details do I need to add {payee} as a beneficiary?",
            "How many new payees can I add per day?",
            "The name check failed when I added {payee} as a payee.",
            "Can you help me add a new beneficiary to my {account}?",
            "I want to register {payee} as a trusted payee.",
        ],
        []);

    private static IntentPhrasing DirectDebitSetup => new(
        "direct_debit_setup",
        0.6,
        [
            "How do I set up a direct debit?",
            "I want to set up a direct debit for my {bill}.",
            "I have been asked for a direct debit mandate for my {bill}, how do I authorise it?",
            "Can I create a direct debit from my {account}?",
            "What details does the company need to set up a direct debit for my {bill}?",
            "I need to start paying my {bill} by direct debit.",
            "Where do I find my sort code to set up a direct debit?",
            "How long does a new direct debit for my {bill} take to become active?",
            "Can I set up a direct debit to pay my credit card?",
            "I'd like my {bill} to come out of my {account} by direct debit each month.",
            "Please help me arrange a monthly direct debit for my {bill}.",
            "Can I choose the date my new direct debit for my {bill} is taken?",
        ],
        []);

    private static IntentPhrasing CancelDirectDebit => new(
        "cancel_direct_debit",
        0.8,
        [
            "I want to cancel a direct debit.",
            "How do I stop the direct debit for my {bill}?",
            "Please cancel the direct debit to my old gym.",
            "Can I cancel a direct debit in the {app}?",
            "I need to stop a direct debit before it's taken {when_next}.",
            "Remove the direct debit for my {bill} from my {account}.",
            "I've switched supplier, how do I cancel the old direct debit for my {bill}?",
            "Cancel all the direct debits on my {account} please.",
            "How do I cancel a recurring payment to {merchant}?",
            "I want to stop paying my {bill} by direct debit.",
            "Is it too late to cancel the direct debit going out {when_next}?",
            "The direct debit for my {bill} should have been cancelled but was taken again.",
        ],
        []);

    private static IntentPhrasing TopUpFailed => new(
        "top_up_failed",
        1.0,
        [
            "My top up failed.",
            "I tried to top up {amount} with my {card} but it didn't work.",
            "Topping up from my other bank card keeps failing.",
            "Why was my top up of {amount} declined?",
            "The top up of {amount} didn't go through but money left my {card}.",
            "I can't top up my {account} by card since {since}.",
            "My top up by bank transfer hasn't appeared since {since}.",
            "I get an error when topping up my {account}.",
            "My top up is showing as failed in the {app}.",
            "I tried topping up with {phone_wallet} and it failed.",
            "Why can't I top up my {account} with my {card}?",
            "My top up was rejected even though I have funds.",
        ],
        [
            "couldn't load money onto my {flex}, the top up just vanished",
            "adding cash to {orbit_app} via {phone_wallet} bounced",
            "tried to fund my {flex} with {amount} and it errored",
            "loading my {crypto} wallet from {orbit_app} keeps failing",
            "{orbit_app} won't let me move money onto my {flex}, just says failed",
            "money in from my other bank into {orbit_app} got rejected {time}",
            "topping up my {orbitpay} balance fails every time",
            "can't top up the {flex}, shows unable to add funds",
            "adding {amount} to {orbit_app} with my old card didn't work but it was taken",
            "the add money button in {orbit_app} bounces my {amount} every time",
        ]);

    private static IntentPhrasing ExchangeRate => new(
        "exchange_rate",
        0.7,
        [
            "What exchange rate do you use for payments in {country}?",
            "Why was the exchange rate on my purchase in {country} so bad?",
            "How much will I get if I convert {amount} to {currency}?",
            "What's today's rate for pounds to {currency}?",
            "Is the exchange rate worse at weekends for {currency}?",
            "The currency conversion on my {card} seems wrong.",
            "Which exchange rate applies when I pay with my {card} in {country}?",
            "Do you use the Visa or Mastercard exchange rate?",
            "How is the exchange rate calculated for {currency}?",
            "Can I see the exchange rate before I make a transfer to {country}?",
            "Why did I get a different rate for {currency} than the one I saw online?",
            "What rate would I get converting pounds to {currency} {when_next}?",
        ],
        []);

    private static IntentPhrasing FeesQuestion => new(
        "fees_question",
        0.9,
        [
            "What fees do you charge for using my {card} abroad?",
            "Why was I charged a fee on my {account}?",
            "Is there a monthly fee for my {account}?",
            "How much does it cost to withdraw cash at the {atm} in {country}?",
            "What are the fees for international transfers to {country}?",
            "I see a {amount} fee on my {account}, what is it for?",
            "Are there any charges for a replacement {card}?",
            "Do you charge a fee for paying in {currency}?",
            "What's the fee for going into my overdraft?",
            "Why did I pay a fee for a withdrawal at the {atm} {time}?",
            "Is there a fee for sending money to {payee}?",
            "Can you explain the charges on my {account} this month?",
        ],
        []);
}
