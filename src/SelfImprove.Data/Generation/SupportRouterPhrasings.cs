namespace SelfImprove.Data.Generation;

/// <summary>One intent's templates and its share of production traffic.</summary>
/// <param name="Intent">The intent name (label).</param>
/// <param name="TrafficWeight">Relative frequency in the production stream; mildly non-uniform on purpose.</param>
/// <param name="Ordinary">Pre-drift templates; also used after the drift point by intents that did not drift.</param>
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
/// virtual cards, the Orbit app with Orbit Pay, pay later, passkeys and crypto; drifted templates lean on that
/// vocabulary and on constructions that resemble other intents.
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
