namespace SelfImprove.Data.Generation;

/// <summary>Information, profile, digital-channel, lending and service intents.</summary>
internal static partial class SupportRouterPhrasings
{
    private static IntentPhrasing BalanceInquiry => new(
        "balance_inquiry",
        1.2,
        [
            "What's my current balance after {time}?",
            "How much money is in my {account}?",
            "Can you tell me the balance of my {account}?",
            "Have I got enough in my {account} to cover the {bill} going out {when_next}?",
            "I want to check my {account} balance.",
            "How do I see my balance in the {app}?",
            "Can I check my balance at the {atm}?",
            "Why is my {account} balance lower than I expected?",
            "Show me the balance on my {account} please.",
            "How much do I have left in my {account} this month?",
            "What's the balance on my {account} today?",
            "Has my salary gone into my {account} yet? What's the balance?",
        ],
        [
            "what's in my {orbit} pots right now",
            "how much have I got across all my {orbit} pots",
            "how much is my {crypto} worth in {orbit_app} today",
            "how much can I still spend on my {flex} this month",
            "check how much is left in my {pot} pot",
            "the home screen total in {orbit_app} doesn't match my pots, what do I actually have",
            "how much is sitting in {orbitpay_wallet}",
            "what's my spendable amount after the {bnpl} payments come out",
            "add up my {orbit} pots and main balance for me",
            "does {orbit_app} show my {pot} pot in the total I have available",
        ]);

    private static IntentPhrasing StatementRequest => new(
        "statement_request",
        0.8,
        [
            "Can I get a statement for my {account}?",
            "I need a bank statement for the last {months}.",
            "How do I download my statements from the {app}?",
            "I need a stamped statement covering {months} for a visa application.",
            "Please send me a paper statement for my {account}.",
            "Where can I find my statement for {month}?",
            "Can you email me my {account} statements?",
            "My landlord wants {months} of statements, how do I get them?",
            "I need a statement showing my transactions since {month}.",
            "How do I request an official statement for my {account}?",
            "Statements aren't showing in the {app}, how do I get them?",
            "My accountant needs a record of every transaction on my {account} for the last {months}.",
        ],
        [
            "export my {orbit} history as a {export_format}",
            "can I download my {flex} transactions as a {export_format}",
            "need a {export_format} of everything in {orbit_app} since {month} for my accountant",
            "where's the export button for my {crypto} trades? need it for tax",
            "how do I get an {orbit} statement covering {months} for a mortgage application",
            "send my {orbitpay} transaction history to my email",
            "can {orbit_app} produce a statement of my {crypto} gains and losses",
            "download all my {orbit} activity for {month} as a {export_format}",
            "my letting agent wants {months} of {orbit} history, how do I share it",
            "get me a proper statement out of {orbit_app}, the screenshot isn't accepted",
        ]);

    private static IntentPhrasing ChangeAddress => new(
        "change_address",
        0.7,
        [
            "I've moved house {time} and need to update my address.",
            "How do I change the address on my {account}?",
            "Please update my address to my new {home}.",
            "I'm moving to {country} next month, how do I update my address?",
            "Can I change my postal address in the {app}?",
            "What proof do you need to change the address on my {account}?",
            "My address is wrong on my {account} statements.",
            "I need my {card} sent to my new address.",
            "How do I update my home address in the {app}?",
            "Change of address please, I moved {time}.",
            "Can I change my address over the phone {when_next}?",
            "My letters are still going to my old address since I moved {time}.",
        ],
        []);

    private static IntentPhrasing UpdatePhoneNumber => new(
        "update_phone_number",
        0.6,
        [
            "I've got a new phone number with {network}, how do I update it?",
            "How do I change the mobile number on my {account}?",
            "Please update my contact number on my {account}.",
            "My phone number has changed and I can't get verification codes.",
            "Can I change my phone number in the {app}?",
            "I need to update my mobile number on my {account} for security texts.",
            "My old {network} number is no longer active, how do I replace it?",
            "I switched networks {time} and got a new number.",
            "Where do I change my registered phone number in the {app}?",
            "Change my mobile number please, the old one was cancelled {time}.",
            "The bank still has my old phone number on my {account}.",
            "The security texts still go to a {network} SIM I don't have anymore.",
        ],
        []);

    private static IntentPhrasing LoginProblem => new(
        "login_problem",
        1.4,
        [
            "I can't log in to my {app}.",
            "My password isn't working for the {app}.",
            "I'm locked out of online banking after too many attempts.",
            "The verification code never arrives when I try to log in to the {app}.",
            "I forgot my password, how do I reset it?",
            "It keeps saying my login details are incorrect.",
            "I can't sign in to the {app} since {since}.",
            "My fingerprint login stopped working {time}.",
            "How do I reset my online banking password?",
            "My {account} is locked and I can't access the {app}.",
            "Login keeps failing even with the right password on my {device}.",
            "The website says my credentials are wrong every time I try to get into online banking.",
        ],
        [
            "{passkey} not working on {orbit_app}",
            "{orbit_app} won't recognise my face anymore since I got new glasses",
            "can't get past the {passkey} step on {orbit_app}",
            "{orbit_app} keeps asking me to set up a {passkey} and then kicks me out",
            "got a new phone and my {passkey} didn't carry over, stuck outside {orbit_app}",
            "{passkey} fails every time so I can't get into {orbit_app}",
            "{orbit_app} says my device isn't trusted and won't let me in",
            "locked out of {orbit_app} since the {passkey} update",
            "the face check in {orbit_app} just spins and never lets me in",
            "how do I get into {orbit_app} if my {passkey} is on my old phone",
        ]);

    private static IntentPhrasing AppCrash => new(
        "app_crash",
        1.1,
        [
            "The {app} keeps crashing.",
            "The {app} closes as soon as I open it.",
            "Your {app} crashes every time I try to make a payment.",
            "The {app} keeps shutting down when I check my balance.",
            "The {app} freezes on the loading screen.",
            "Since the latest update the {app} won't open on my {device}.",
            "The {app} stopped working on my {device}.",
            "The {app} crashed halfway through a transfer, did it go through?",
            "Why does the {app} keep force closing on my {device}?",
            "I get a blank screen when I open the {app}.",
            "The {app} isn't loading at all since {since}.",
            "Every time I open the {app} on my {device} it just disappears back to the home screen.",
        ],
        [
            "the {flex} screen in {orbit_app} shuts itself every time",
            "{orbit_app} gets stuck on the rocket logo forever",
            "{orbit_app} just white screens after the update",
            "every time I open {orbitpay_wallet} the whole thing dies",
            "{orbit_app} quits on me the second I tap my {flex}",
            "{orbit_app} boots me to my home screen the moment the {passkey} prompt shows",
            "the {crypto} tab in {orbit_app} insta-quits every single time",
            "{orbit_app} spins forever on my {device} and then poof, gone",
            "opened {orbit_app} to check my balance and it bugged out and closed",
            "sending money in {orbit_app} makes it vanish off my screen halfway through",
        ]);

    private static IntentPhrasing MobileWallet => new(
        "mobile_wallet",
        0.9,
        [
            "How do I add my {card} to {phone_wallet}?",
            "{phone_wallet} won't accept my {card}.",
            "My {card} was removed from {phone_wallet}.",
            "Does your bank support {phone_wallet}?",
            "Can I use {phone_wallet} with my {account}?",
            "Payments with {phone_wallet} keep failing at {shop}.",
            "I can't verify my {card} in {phone_wallet}.",
            "Can I pay with my {device} instead of my {card} in shops?",
            "{phone_wallet} isn't working on my new {device}.",
            "The verification code for adding my {card} to {phone_wallet} never arrived.",
            "Why can't I set up {phone_wallet} with my {card}?",
            "My watch won't pay with {phone_wallet} since {since}.",
        ],
        [
            "can't add my {flex} to {orbitpay_wallet}",
            "{orbitpay_wallet} won't let me tap at the till",
            "my watch stopped paying in shops since the {orbit} update",
            "how do I make {orbitpay_wallet} the default when I hold my phone to the reader",
            "my {flex} disappeared from {orbitpay_wallet} on my phone",
            "{orbitpay_wallet} says card not eligible when I try to add my {flex}",
            "paying with my phone through {orbitpay_wallet} gets declined at {shop}",
            "the phone payment setup in {orbit_app} never finishes on my {device}",
            "my phone won't pay in shops since I moved my {flex} into {orbitpay_wallet}",
            "putting my {flex} on my phone for paying in shops fails at the last step",
        ]);

    private static IntentPhrasing LoanApplication => new(
        "loan_application",
        0.6,
        [
            "I'd like to apply for a personal loan.",
            "What's the interest rate on a {loan_amount} loan?",
            "Can I apply for a loan for {purpose} online?",
            "How much could I borrow for {purpose}?",
            "How long does a loan application take to be approved?",
            "My application for a {loan_amount} loan was declined, why?",
            "I need a loan of {loan_amount} for {purpose}.",
            "Will checking my loan eligibility affect my credit score?",
            "Am I eligible for a personal loan of {loan_amount}?",
            "What documents do I need to apply for a loan?",
            "Can I get a loan to pay for {purpose}?",
            "I want to borrow {loan_amount} over {years}.",
        ],
        []);

    private static IntentPhrasing MortgageInquiry => new(
        "mortgage_inquiry",
        0.6,
        [
            "What mortgage rates do you offer on a {fixed_term} fix?",
            "I'm a first time buyer, can I get a mortgage for a {property}?",
            "How much could I borrow on a mortgage for a {property}?",
            "My {fixed_term} fixed rate mortgage ends soon, what are my options?",
            "Can I remortgage my {property} with you?",
            "What deposit do I need for a mortgage on a {property}?",
            "I'd like to book a mortgage appointment {when_next}.",
            "Can I overpay my mortgage by {loan_amount} without a penalty?",
            "How do I get a mortgage agreement in principle for a {property}?",
            "What's the maximum loan to value on a {fixed_term} mortgage?",
            "I want to switch my mortgage to a {fixed_term} fixed deal.",
            "We've found a {property} we want to buy, how much would you lend us?",
        ],
        []);

    private static IntentPhrasing Complaint => new(
        "complaint",
        0.8,
        [
            "I want to make a complaint about {complaint_topic}.",
            "I'm very unhappy with the service I received {time}.",
            "How do I file a formal complaint?",
            "Your staff at the branch were rude to me {time}.",
            "I want to complain about how {complaint_topic} was handled.",
            "This is the worst customer service I've ever had, {complaint_topic} was a disaster.",
            "Nobody called me back {time} as promised, I want to complain.",
            "I've been waiting {days} for a reply, this is unacceptable.",
            "Who do I escalate a complaint about {complaint_topic} to?",
            "I'd like to raise a complaint about the charges on my {account}.",
            "How do I take my complaint to the ombudsman?",
            "I'm disappointed it took {days} to sort out a simple problem.",
        ],
        []);

    private static IntentPhrasing SpeakToHuman => new(
        "speak_to_human",
        1.0,
        [
            "Can I speak to a real person about {topic}?",
            "I want to talk to an agent about {topic}.",
            "Please connect me with a human, it's about {topic}.",
            "How do I call customer service?",
            "Is there a phone number I can ring about my {account}?",
            "I'd rather talk to someone about {topic} than use this chat.",
            "Put me through to a person {when_next} please.",
            "Can someone call me back {when_next}?",
            "Get me a human advisor for {topic}.",
            "I need to speak to someone about my {account}.",
            "Can I book a call with an advisor {when_next}?",
            "This bot isn't helping, let me talk to a member of staff.",
        ],
        []);
}
