using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsvHelper;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Data.Files;

/// <summary>One row of a data file: its line number (for error messages) and the columns asked for.</summary>
/// <param name="Line">The 1-based line the row starts on.</param>
/// <param name="Text">The request text, trimmed.</param>
/// <param name="Label">The label, trimmed; null when the file has none for this row.</param>
/// <param name="Segment">The traffic segment, trimmed; null when empty or absent.</param>
public sealed record DataFileRow(int Line, string Text, string? Label, string? Segment);

/// <summary>
/// Reads CSV (RFC 4180, parsed by CsvHelper) and JSON Lines files, strictly: a file whose bytes or structure are not
/// what the format says is refused with the file, the line and how to fix it; nothing is silently changed or dropped.
/// </summary>
public static partial class DataFileReader
{
    /// <summary>Largest data file read, in bytes (256 MiB).</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Largest CSV record or JSON Lines line, in bytes of UTF-8 (1 MiB).</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    /// <summary>Longest request text, in characters.</summary>
    public const int MaxTextLength = 10_000;

    /// <summary>Every character but the control characters (C0, DEL, C1) other than tab, line feed and carriage return.</summary>
    private static readonly System.Buffers.SearchValues<char> Printable = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(c => !char.IsControl(c) || c is '\t' or '\n' or '\r').ToArray());

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="fullPath">The file.</param>
    /// <param name="spec">Its columns.</param>
    /// <param name="labelRequired">False for a production stream, whose ground truth is optional.</param>
    /// <returns>The rows in file order; never empty.</returns>
    /// <exception cref="DataFileException">The file is missing, not UTF-8, malformed, or has no rows.</exception>
    public static IReadOnlyList<DataFileRow> Read(string fullPath, DataFileSpec spec, bool labelRequired = true)
    {
        if (!File.Exists(fullPath)) throw new DataFileException(fullPath, 0, "file not found.");
        var format = spec.Format ?? DataFileFormats.FromExtension(fullPath)
            ?? throw new DataFileException(fullPath, 0, "unknown format: give the file a .csv or .jsonl extension or set 'format'.");
        var bytes = ReadUtf8(fullPath);
        var rows = format switch
        {
            DataFileFormat.Csv => ReadCsv(fullPath, bytes, spec, labelRequired),
            DataFileFormat.Jsonl => ReadJsonLines(fullPath, bytes, spec),
            _ => throw new DataFileException(fullPath, 0, $"unknown format '{format}'; expected csv or jsonl."),
        };
        if (rows.Count == 0)
            throw new DataFileException(fullPath, 0, format == DataFileFormat.Csv
                ? "has no examples: there is no row after the header. Add at least one row."
                : "has no examples: there is no JSON object line. Add at least one line such as {\"" + spec.TextColumn + "\": \"...\"}.");
        return rows;
    }

    /// <summary>The file's bytes without a UTF-8 byte order mark, checked to be UTF-8 text without NUL characters.</summary>
    private static ReadOnlyMemory<byte> ReadUtf8(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new DataFileException(path, 0, $"is {length:N0} bytes; data files may be at most {MaxFileBytes:N0} bytes. Split it or sample it.");
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        var content = bytes.AsMemory(start);
        try
        {
            StrictUtf8.GetCharCount(content.Span);
        }
        catch (DecoderFallbackException ex)
        {
            var at = ex.Index >= 0 ? ex.Index : 0;
            var bad = at < content.Length ? $" (byte 0x{content.Span[at]:X2})" : "";
            throw new DataFileException(path, LineAt(content.Span, at),
                $"is not valid UTF-8{bad}; it was probably saved in another encoding such as Windows-1252 (Excel's \"CSV\"). " +
                "Re-save it as UTF-8 (in Excel: \"CSV UTF-8\").");
        }
        var nul = content.Span.IndexOf((byte)0);
        if (nul >= 0)
            throw new DataFileException(path, LineAt(content.Span, nul),
                "contains a NUL character (byte 0x00); the file is probably UTF-16 or binary. Re-save it as UTF-8 text.");
        return content;
    }

    /// <summary>The 1-based line of a byte offset: one more than the line feeds before it.</summary>
    private static int LineAt(ReadOnlySpan<byte> content, int offset) => content[..Math.Min(offset, content.Length)].Count((byte)'\n') + 1;

    private static List<DataFileRow> ReadCsv(string path, ReadOnlyMemory<byte> content, DataFileSpec spec, bool labelRequired)
    {
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = true,
            AllowLineBreaksInQuotes = true,
            SkipEmptyLines = true,
            TrimWhitespace = false,
            TrackLineNumbers = true,
            MaxRecordSize = MaxRecordBytes,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
            DetectSeparatorHint = false,
        };
        var rows = new List<DataFileRow>();
        try
        {
            using var reader = CsvReader.Create(content, options);
            var header = reader.Headers.ToArray();
            if (header.Length == 0 || header is [""])
                throw new DataFileException(path, 1, $"the file is empty; expected a header row naming the columns, e.g. '{spec.TextColumn},{spec.LabelColumn ?? "label"}'.");

            int Column(string? name, bool required)
            {
                if (name is null) return -1;
                var matches = header.Select((h, i) => (Name: h.Trim(), Index: i)).Where(h => h.Name == name).Select(h => h.Index).ToArray();
                if (matches.Length > 1)
                    throw new DataFileException(path, 1, $"the header names column '{name}' {matches.Length} times (columns {string.Join(", ", matches.Select(i => i + 1))}); rename or remove all but one.");
                if (matches.Length == 0 && required)
                {
                    var hint = header.Length == 1 && header[0].IndexOfAny([';', '\t', '|']) >= 0
                        ? " The file seems to be separated by something other than commas; save it as comma-separated values."
                        : "";
                    throw new DataFileException(path, 1, $"column '{name}' not found; the header has: {string.Join(", ", header.Select(h => $"'{h}'"))}.{hint}");
                }
                return matches.Length == 1 ? matches[0] : -1;
            }

            var text = Column(spec.TextColumn, true);
            var label = Column(spec.LabelColumn, labelRequired && spec.LabelColumn is not null);
            var segment = Column(spec.SegmentColumn, spec.SegmentColumn is not null);
            while (reader.Read())
            {
                var row = reader.Current;
                var line = checked((int)reader.LineNumber);
                rows.Add(MakeRow(path, line, row.GetString(text), label < 0 ? null : row.GetString(label), segment < 0 ? null : row.GetString(segment), spec));
            }
        }
        catch (CsvFormatException ex)
        {
            throw new DataFileException(path, checked((int)ex.LineNumber), DescribeCsvError(ex));
        }
        return rows;
    }

    /// <summary>CsvHelper's reason without its own position (the exception names the line), and how to fix the row.</summary>
    private static string DescribeCsvError(CsvFormatException ex)
    {
        var count = FieldCount().Match(ex.Message);
        if (count.Success)
            return $"has {count.Groups[1].Value} fields but the header has {count.Groups[2].Value}; enclose fields that contain commas in double quotes.";
        var reason = ex.Message;
        var colon = reason.IndexOf("): ", StringComparison.Ordinal);
        if (colon >= 0) reason = reason[(colon + 3)..];
        var offset = reason.IndexOf(" (byte offset", StringComparison.Ordinal);
        if (offset >= 0) reason = reason[..offset];
        return reason.TrimEnd('.') + ". A field that contains a comma, a quote or a line break must be enclosed in double quotes, with each quote inside it doubled (\"\").";
    }

    [GeneratedRegex(@"has (\d+) fields but (\d+) were expected")]
    private static partial Regex FieldCount();

    private static List<DataFileRow> ReadJsonLines(string path, ReadOnlyMemory<byte> content, DataFileSpec spec)
    {
        var rows = new List<DataFileRow>();
        var remaining = content;
        var line = 0;
        var options = new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 16 };
        while (!remaining.IsEmpty)
        {
            line++;
            var end = remaining.Span.IndexOf((byte)'\n');
            var raw = end < 0 ? remaining : remaining[..end];
            remaining = end < 0 ? ReadOnlyMemory<byte>.Empty : remaining[(end + 1)..];
            if (raw.Length > MaxRecordBytes)
                throw new DataFileException(path, line, $"is {raw.Length:N0} bytes long; a line may be at most {MaxRecordBytes:N0} bytes.");
            if (raw.Span.Trim(" \t\r"u8).IsEmpty) continue;

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(raw, options);
            }
            catch (JsonException ex)
            {
                throw new DataFileException(path, line, $"is not valid JSON: {ex.Message.Split(" LineNumber:")[0].Split(" Path:")[0]} Each line must be one JSON object.");
            }
            using (document)
            {
                var element = document.RootElement;
                if (element.ValueKind != JsonValueKind.Object)
                    throw new DataFileException(path, line, $"must be a JSON object per line; got {Describe(element.ValueKind)}.");
                string? Field(string? name)
                {
                    if (name is null || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
                    if (value.ValueKind != JsonValueKind.String)
                        throw new DataFileException(path, line, $"'{name}' must be a JSON string; got {Describe(value.ValueKind)}.");
                    try
                    {
                        return value.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        throw new DataFileException(path, line, $"'{name}' contains an escape that is not a Unicode character (a lone surrogate such as \\ud800); write the character itself.");
                    }
                }
                rows.Add(MakeRow(path, line, Field(spec.TextColumn), Field(spec.LabelColumn), Field(spec.SegmentColumn), spec));
            }
        }
        return rows;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "a string",
    };

    private static DataFileRow MakeRow(string path, int line, string? text, string? label, string? segment, DataFileSpec spec)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new DataFileException(path, line, $"'{spec.TextColumn}' is missing or empty; every row needs the request text.");
        if (text.Length > MaxTextLength)
            throw new DataFileException(path, line, $"'{spec.TextColumn}' is {text.Length:N0} characters long; a request may be at most {MaxTextLength:N0}.");
        if (spec.LabelColumn is not null && label is not null && string.IsNullOrWhiteSpace(label))
            throw new DataFileException(path, line, $"'{spec.LabelColumn}' is empty; give the intent, or leave the column out of a production file.");
        foreach (var (name, value) in new[] { (spec.TextColumn, text), (spec.LabelColumn, label), (spec.SegmentColumn, segment) })
        {
            var at = value is null ? -1 : value.AsSpan().IndexOfAnyExcept(Printable);
            if (at >= 0)
                throw new DataFileException(path, line, $"'{name}' contains the control character U+{(int)value![at]:X4}; remove it.");
        }
        return new DataFileRow(line, text.Trim(), label?.Trim(), string.IsNullOrWhiteSpace(segment) ? null : segment.Trim());
    }
}

/// <summary>A data file that cannot be read, with where and why.</summary>
/// <param name="path">The file.</param>
/// <param name="line">The 1-based line of the problem; 0 when it concerns the whole file.</param>
/// <param name="problem">What is wrong and how to fix it.</param>
public sealed class DataFileException(string path, int line, string problem)
    : Exception(line > 0 ? $"{path}:{line}: {problem}" : $"{path}: {problem}")
{
    /// <summary>The file.</summary>
    public string FilePath { get; } = path;

    /// <summary>The 1-based line of the problem; 0 when it concerns the whole file.</summary>
    public int Line { get; } = line;
}
