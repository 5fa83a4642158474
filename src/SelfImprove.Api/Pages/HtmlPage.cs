using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace SelfImprove.Api.Pages;

/// <summary>
/// A server-rendered HTML page for people (the approval page and its answers): every value goes through
/// <see cref="HtmlEncoder"/>, the page carries no script, and the response carries the headers that keep it (and the
/// token in its address) to itself: <c>Referrer-Policy: no-referrer</c>, a Content-Security-Policy that allows no
/// script and only the page's own stylesheet (by its SHA-256, CSP Level 2 §4.2.4), <c>X-Frame-Options: DENY</c>,
/// <c>X-Content-Type-Options: nosniff</c> and <c>Cache-Control: no-store</c>.
/// </summary>
public sealed class HtmlPage : IResult
{
    /// <summary>The one stylesheet every page embeds; the CSP names its hash, so nothing else styles the page.</summary>
    public const string Style =
        "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1b1b1b}" +
        "table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}" +
        "td.n{text-align:right;font-variant-numeric:tabular-nums}.up{color:#0a6b0a}.down{color:#a10f0f}" +
        "fieldset{margin:1rem 0;padding:1rem}label{display:block;margin:.4rem 0 .1rem}input[type=text],textarea{width:100%;max-width:30rem}" +
        "fieldset label.choice{display:inline;margin-right:1rem}button{margin-top:1rem;padding:.4rem 1.2rem}.note{color:#555}";

    /// <summary>The Content-Security-Policy of every page: nothing may load or run but the embedded stylesheet; forms post only to this server.</summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)))}'; " +
        "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;
    private readonly StringBuilder body = new();

    public HtmlPage(string title, int status = StatusCodes.Status200OK)
    {
        Title = title;
        Status = status;
    }

    public string Title { get; }
    public int Status { get; }

    /// <summary>HTML-encodes <paramref name="value"/> (null as an empty string).</summary>
    public static string E(object? value) => Encoder.Encode(value switch
    {
        null => "",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    });

    /// <summary>Appends markup the caller built (every value in it already passed through <see cref="E"/>).</summary>
    public HtmlPage Raw(string html)
    {
        body.Append(html).Append('\n');
        return this;
    }

    public HtmlPage Heading(string text, int level = 2) => Raw($"<h{level}>{E(text)}</h{level}>");

    public HtmlPage Paragraph(string text, string? cssClass = null) => Raw(cssClass is null ? $"<p>{E(text)}</p>" : $"<p class=\"{cssClass}\">{E(text)}</p>");

    /// <summary>A table: the header cells (none when all are empty), then rows of already-encoded cells (use <see cref="Cell"/> and <see cref="Number"/>).</summary>
    public HtmlPage Table(string caption, IEnumerable<string> headers, IEnumerable<IEnumerable<string>> rows)
    {
        var html = new StringBuilder($"<table><caption>{E(caption)}</caption>");
        var names = headers.ToArray();
        if (names.Any(h => h.Length > 0))
            html.Append("<thead><tr>").AppendJoin("", names.Select(h => $"<th scope=\"col\">{E(h)}</th>")).Append("</tr></thead>");
        html.Append("<tbody>");
        foreach (var row in rows) html.Append("<tr>").AppendJoin("", row).Append("</tr>");
        return Raw(html.Append("</tbody></table>").ToString());
    }

    public static string Cell(object? value) => $"<td>{E(value)}</td>";

    public static string Number(double? value, string format = "0.000") =>
        value is { } v ? $"<td class=\"n\">{E(v.ToString(format, System.Globalization.CultureInfo.InvariantCulture))}</td>" : "<td class=\"n\">–</td>";

    /// <summary>A signed change, coloured by its direction (up is better).</summary>
    public static string Change(double value, string format = "+0.000;−0.000;0.000") =>
        $"<td class=\"n {(value > 0 ? "up" : value < 0 ? "down" : "")}\">{E(value.ToString(format, System.Globalization.CultureInfo.InvariantCulture))}</td>";

    public string Render() =>
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" +
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
        $"<title>{E(Title)}</title><style>{Style}</style></head>\n<body><main>\n<h1>{E(Title)}</h1>\n{body}</main></body></html>\n";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = "text/html; charset=utf-8";
        Secure(response.Headers);
        await response.WriteAsync(Render(), httpContext.RequestAborted);
    }

    /// <summary>The headers every page carries (see the type's summary).</summary>
    public static void Secure(IHeaderDictionary headers)
    {
        headers["Referrer-Policy"] = "no-referrer";
        headers["Content-Security-Policy"] = ContentSecurityPolicy;
        headers["X-Frame-Options"] = "DENY";
        headers["X-Content-Type-Options"] = "nosniff";
        headers["Cache-Control"] = "no-store";
    }
}
