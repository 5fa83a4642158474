using System.Text.RegularExpressions;

namespace SelfImprove.Storage;

/// <summary>The names every artefact store accepts: the same on disk and in Blob Storage, and never outside the store.</summary>
public static partial class ArtifactNames
{
    public static void Check(string name)
    {
        if (!Allowed().IsMatch(name) || name.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException(
                $"Artefact name '{name}' is not allowed: use letters, digits, '.', '_', '-' and '/' separators, without empty, '.' or '..' parts.",
                nameof(name));
    }

    [GeneratedRegex("^[A-Za-z0-9._/-]+$")]
    private static partial Regex Allowed();
}
