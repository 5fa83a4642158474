using System.Text.Json;

namespace SelfImprove.Storage;

/// <summary>How records are written into the store: camelCase, indented so people can read them.</summary>
public static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(byte[] json, string name) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"Store record '{name}' holds null.");
}
