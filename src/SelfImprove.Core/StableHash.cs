namespace SelfImprove.Core;

/// <summary>
/// FNV-1a over a string's UTF-16 code units: the same in every process and on every machine, unlike
/// <see cref="string.GetHashCode()"/>, so it can seed, split and key things that must replay alike.
/// </summary>
public static class StableHash
{
    public static uint Of(string text)
    {
        var hash = 2166136261u;
        foreach (var ch in text) hash = (hash ^ ch) * 16777619u;
        return hash;
    }
}
