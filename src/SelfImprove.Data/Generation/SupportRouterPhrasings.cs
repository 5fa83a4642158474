namespace SelfImprove.Data.Generation;

/// <summary>One intent's templates and its share of production traffic.</summary>
/// <param name="Intent">The intent name (label).</param>
/// <param name="TrafficWeight">Relative frequency in the production stream; mildly non-uniform on purpose.</param>
/// <param name="Ordinary">
/// Pre-drift templates; also used after the drift point by intents that did not drift. The templates at positions
/// 3, 7, 11, … (see <see cref="ParsedCatalogue.IsHeldOut"/>) are held out of the pool and validation set.
/// </param>
/// <param name="Drifted">Post-drift templates; empty for intents whose phrasing does not drift.</param>
internal sealed record IntentPhrasing(string Intent, double TrafficWeight, string[] Ordinary, string[] Drifted)
{
    public bool IsDrifted => Drifted.Length > 0;
}

/// <summary>
/// Template catalogue of the retail-bank support router. Placeholders in braces are filled from
/// <see cref="PhrasingSlots"/>. Near neighbours (card not working vs contactless, failed vs pending transfers,
/// refund vs dispute vs wrong amount, lost card vs fraud, closing an account vs cancelling a direct debit) are
/// phrased close to each other on purpose, as real traffic is. After the drift point the bank launched Flex
/// virtual cards, the Orbit app (with Orbit Pay, pots, Orbit tags for contacts, subscriptions, exports and FX),
/// pay later, passkeys and crypto; drifted templates lean on that vocabulary and on constructions that resemble
/// other intents, so a model trained on the old phrasing misroutes them while a human still reads them easily.
/// <para>
/// Ordinary templates sit in a deliberate order: the held-out positions (3, 7, 11) carry the less typical
/// phrasings of an intent (indirect wording, a neighbour's vocabulary), which stand for customers phrasing things
/// the training data never showed. Reordering an intent's ordinary templates changes which ones are held out.
/// </para>
/// </summary>
internal static partial class SupportRouterPhrasings
{
    /// <summary>All 32 intents in their published order.</summary>
    public static IReadOnlyList<IntentPhrasing> All { get; } =
    [
        CardLostOrStolen, CardNotWorking, CardNotArrived, CardActivation, PinChange, ContactlessNotWorking,
        AtmCashNotDispensed, AccountClosure, OpenAccount, RefundRequest, DisputeCharge, WrongAmountCharged,
        SuspiciousActivity, TransferFailed, TransferPending, AddBeneficiary, DirectDebitSetup, CancelDirectDebit,
        TopUpFailed, ExchangeRate, FeesQuestion, BalanceInquiry, StatementRequest, ChangeAddress,
        UpdatePhoneNumber, LoginProblem, AppCrash, MobileWallet, LoanApplication, MortgageInquiry, Complaint,
        SpeakToHuman,
    ];
}
