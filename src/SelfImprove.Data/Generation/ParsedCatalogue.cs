namespace SelfImprove.Data.Generation;

/// <summary>Which of an intent's templates a draw may use.</summary>
internal enum TemplateScope
{
    /// <summary>
    /// Every template of the style. Evaluation, production and the teacher (<see cref="SupportRouterGenerator.Compose"/>)
    /// draw from here.
    /// </summary>
    All,

    /// <summary>
    /// Ordinary templates minus the held-out ones: the only phrasing the training pool and the validation set
    /// ever show. Drifted templates have no held-out part (nothing is trained on them before the drift).
    /// </summary>
    Seen,
}

/// <summary>
/// The support-router templates, parsed once per process, and the fixed split of each intent's ordinary templates
/// into "seen" (pool and validation) and "held out" (evaluation and production only). The split depends only on
/// a template's position in the catalogue, never on the seed, so every data set of every seed agrees on it.
/// </summary>
internal static class ParsedCatalogue
{
    /// <summary>Every <see cref="HoldOutEvery"/>th ordinary template (positions 3, 7, 11, …) is held out: about a quarter.</summary>
    public const int HoldOutEvery = 4;

    private static readonly PhrasingTemplate[][] OrdinaryTemplates =
        SupportRouterPhrasings.All.Select(intent => Parse(intent.Ordinary)).ToArray();

    private static readonly PhrasingTemplate[][] SeenTemplates =
        OrdinaryTemplates.Select(templates => templates.Where((_, position) => !IsHeldOut(position)).ToArray()).ToArray();

    private static readonly PhrasingTemplate[][] DriftedTemplates =
        SupportRouterPhrasings.All.Select(intent => Parse(intent.Drifted)).ToArray();

    /// <summary>Whether the ordinary template at <paramref name="position"/> (0-based, catalogue order) is held out of training.</summary>
    public static bool IsHeldOut(int position) => position % HoldOutEvery == HoldOutEvery - 1;

    public static IReadOnlyList<PhrasingTemplate> Templates(int intentIndex, PhrasingStyle style, TemplateScope scope = TemplateScope.All) =>
        style == PhrasingStyle.Drifted ? DriftedTemplates[intentIndex]
        : scope == TemplateScope.Seen ? SeenTemplates[intentIndex]
        : OrdinaryTemplates[intentIndex];

    private static PhrasingTemplate[] Parse(string[] templates) =>
        templates.Select(template => PhrasingTemplate.Parse(template, PhrasingSlots.All)).ToArray();
}
