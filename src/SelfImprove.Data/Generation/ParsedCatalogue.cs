namespace SelfImprove.Data.Generation;

/// <summary>The support-router templates, parsed once per process.</summary>
internal static class ParsedCatalogue
{
    private static readonly PhrasingTemplate[][] OrdinaryTemplates =
        SupportRouterPhrasings.All.Select(intent => Parse(intent.Ordinary)).ToArray();

    private static readonly PhrasingTemplate[][] DriftedTemplates =
        SupportRouterPhrasings.All.Select(intent => Parse(intent.Drifted)).ToArray();

    public static IReadOnlyList<PhrasingTemplate> Templates(int intentIndex, PhrasingStyle style) =>
        style == PhrasingStyle.Ordinary ? OrdinaryTemplates[intentIndex] : DriftedTemplates[intentIndex];

    private static PhrasingTemplate[] Parse(string[] templates) =>
        templates.Select(template => PhrasingTemplate.Parse(template, PhrasingSlots.All)).ToArray();
}
