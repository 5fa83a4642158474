namespace SelfImprove.Core.Manifests;

/// <summary>One problem in a manifest or constitution file: which file, where in it, and what is allowed.</summary>
/// <param name="File">Path of the file as given.</param>
/// <param name="JsonPath">Location inside the file, e.g. <c>$.goal.target</c>.</param>
/// <param name="Message">What is wrong and what is allowed.</param>
public sealed record ManifestError(string File, string JsonPath, string Message)
{
    public override string ToString() => $"{File}: {JsonPath}: {Message}";
}

/// <summary>Thrown when a manifest (or the constitution it names) cannot be used; lists every problem found.</summary>
public sealed class ManifestValidationException(IReadOnlyList<ManifestError> errors)
    : Exception(FormatMessage(errors))
{
    public IReadOnlyList<ManifestError> Errors { get; } = errors;

    private static string FormatMessage(IReadOnlyList<ManifestError> errors) =>
        $"{errors.Count} problem(s) found:{Environment.NewLine}" +
        string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
