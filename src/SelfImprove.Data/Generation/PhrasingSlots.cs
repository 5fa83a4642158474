namespace SelfImprove.Data.Generation;

/// <summary>
/// Fillers for the <c>{slot}</c> placeholders in the support-router templates. Fillers are written the way they
/// read mid-sentence; the composer capitalises the first letter when a slot opens the message.
/// </summary>
internal static class PhrasingSlots
{
    /// <summary>Slots used by the ordinary (pre-drift) phrasing.</summary>
    private static readonly Dictionary<string, string[]> Ordinary = new()
    {
        ["card"] = ["card", "debit card", "bank card", "Visa card", "Visa debit card", "Mastercard debit card"],
        ["time"] = ["yesterday", "this morning", "last night", "last week", "two days ago", "on Saturday", "earlier today", "at the weekend", "on Monday"],
        ["since"] = ["yesterday", "this morning", "last night", "last week", "Saturday", "the weekend", "Monday", "Tuesday"],
        ["when_next"] = ["tomorrow", "on Friday", "this afternoon", "later today", "next week", "on Monday morning"],
        ["merchant"] = ["Amazon", "Tesco", "Uber", "Netflix", "eBay", "Spotify", "Argos", "Ryanair", "Zara", "Deliveroo", "ASOS", "Currys"],
        ["retailer"] = ["Amazon", "Argos", "Zara", "ASOS", "Currys", "eBay", "John Lewis", "Next", "H&M"],
        ["amount"] = ["£25", "£49.99", "£120", "£300", "£12.50", "£75", "£8.99", "£640", "£19.99", "£200"],
        ["country"] = ["Spain", "France", "the US", "Portugal", "Italy", "Thailand", "Germany", "Greece", "Turkey"],
        ["shop"] = ["the supermarket", "a petrol station", "a cafe", "the corner shop", "a restaurant", "the pharmacy", "a pub", "the train station"],
        ["atm"] = ["ATM", "cash machine", "cashpoint", "ATM machine"],
        ["account"] = ["account", "current account", "savings account", "bank account", "joint account"],
        ["account_type"] = ["current account", "savings account", "joint account", "student account", "business account", "bank account"],
        ["app"] = ["app", "banking app", "mobile app", "mobile banking app"],
        ["payee"] = ["my landlord", "my sister", "a friend", "my builder", "my son", "a colleague", "my mum", "my flatmate"],
        ["days"] = ["three days", "a week", "two weeks", "ten days", "five working days", "over a week"],
        ["phone_wallet"] = ["Apple Pay", "Google Pay", "Samsung Pay", "Google Wallet", "Apple Wallet"],
        ["device"] = ["iPhone", "Android phone", "Samsung phone", "iPad", "Pixel", "tablet"],
        ["bill"] = ["council tax", "phone bill", "gym membership", "electricity bill", "rent", "car insurance", "water bill", "broadband", "mobile contract"],
        ["currency"] = ["euros", "dollars", "yen", "Swiss francs", "Thai baht", "zloty", "Turkish lira"],
        ["months"] = ["three months", "six months", "twelve months", "two months"],
        ["month"] = ["January", "February", "March", "April", "last month", "October"],
        ["loan_amount"] = ["£5,000", "£10,000", "£15,000", "£3,000", "£20,000", "£7,500", "£25,000"],
        ["years"] = ["two years", "three years", "five years", "four years"],
        ["property"] = ["house", "flat", "new build", "buy-to-let", "two-bed flat", "family home"],
        ["fixed_term"] = ["two year", "three year", "five year", "ten year"],
        ["purpose"] = ["a new car", "home improvements", "a wedding", "a kitchen", "consolidating debts", "a holiday"],
        ["home"] = ["flat", "house", "place", "apartment", "address in town"],
        ["network"] = ["Vodafone", "EE", "O2", "Three", "giffgaff", "Sky Mobile"],
        ["topic"] = ["my mortgage", "a payment", "my card", "a fraud concern", "my loan", "my account", "a complaint", "my overdraft", "a bereavement"],
        ["complaint_topic"] = ["my mortgage application", "a delayed payment", "the branch in town", "your phone line", "my fraud claim", "a missed callback", "my overdraft charges"],
        ["for_good"] = ["for good", "permanently", "forever", "once and for all", "completely"],
        ["other_bank"] = ["another bank", "a different bank", "Monzo", "Barclays", "a building society"],
        ["item"] = ["jacket", "pair of shoes", "phone case", "laptop", "dress", "coffee machine", "hoodie"],
    };

    /// <summary>Vocabulary that exists only after the drift point: Flex virtual cards, the Orbit app with pots and exports, pay later, passkeys, crypto, subscriptions.</summary>
    private static readonly Dictionary<string, string[]> Drift = new()
    {
        ["flex"] = ["Flex card", "Flex virtual card", "virtual Flex card", "Flex", "new Flex card", "Flex debit card"],
        ["flex_card"] = ["metal Flex card", "Flex debit card", "physical Flex card", "Flex card", "new Flex card"],
        // The bare names also appear before nouns ("my Orbit profile"); the _app/_wallet slots stand alone.
        ["orbit"] = ["Orbit"],
        ["orbit_app"] = ["Orbit", "the Orbit app", "the new Orbit app"],
        ["orbitpay"] = ["Orbit Pay"],
        ["orbitpay_wallet"] = ["Orbit Pay", "the Orbit Pay wallet"],
        ["bnpl"] = ["pay later", "Pay in 3", "buy now pay later", "Pay in 4", "Flex Pay Later"],
        ["crypto"] = ["crypto", "bitcoin", "ethereum", "BTC", "stablecoin"],
        ["passkey"] = ["passkey", "face login", "Face ID", "face unlock", "passkey login", "face scan"],
        ["orbit_tag"] = ["Orbit tag", "Orbit handle", "@handle", "pay tag"],
        ["pot"] = ["holiday", "rainy day", "bills", "travel", "emergency", "Christmas", "house deposit"],
        ["export_format"] = ["CSV", "CSV file", "spreadsheet", "PDF", "Excel file"],
        ["subscription"] = ["Netflix", "Spotify", "Disney+", "Audible", "Xbox Game Pass", "Amazon Prime", "YouTube Premium"],
    };

    /// <summary>Every slot, ordinary and drift; a template may use any of them.</summary>
    public static IReadOnlyDictionary<string, string[]> All { get; } =
        Ordinary.Concat(Drift).ToDictionary(pair => pair.Key, pair => pair.Value);
}
