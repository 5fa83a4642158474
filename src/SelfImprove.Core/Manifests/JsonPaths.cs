using System.Text;

namespace SelfImprove.Core.Manifests;

/// <summary>Turns FluentValidation property paths (<c>Goal.AcceptableRange.Min</c>) into JSON paths (<c>$.goal.acceptableRange.min</c>).</summary>
public static class JsonPaths
{
    public static string FromPropertyPath(string propertyPath)
    {
        if (string.IsNullOrEmpty(propertyPath)) return "$";
        if (propertyPath.StartsWith('$')) return propertyPath;
        var path = new StringBuilder("$");
        foreach (var segment in propertyPath.Split('.'))
        {
            path.Append('.');
            path.Append(char.ToLowerInvariant(segment[0]));
            path.Append(segment, 1, segment.Length - 1);
        }
        return path.ToString();
    }
}
