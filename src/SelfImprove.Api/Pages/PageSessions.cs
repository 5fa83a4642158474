using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using SelfImprove.Api.Http;
using SelfImprove.Core;

namespace SelfImprove.Api.Pages;

/// <summary>
/// Sign-in for the team pages: a person gives a key once on the sign-in page (a form post, never a URL), and gets a
/// session cookie (<see cref="CookieName"/>: <c>HttpOnly</c>, <c>SameSite=Strict</c>, <c>Secure</c> over HTTPS, path the
/// pages' base, <see cref="Lifetime"/>). The cookie holds the key's name, its expiry (Unix seconds) and an HMAC-SHA256 (RFC 2104)
/// of both keyed with the key itself, not the key: any instance sharing the keys can check it, and changing or removing a
/// key ends its sessions. The approval page needs no session: its token authorises it.
/// </summary>
public sealed class PageSessions(ApiKeyRing keys, TimeProvider clock)
{
    public const string CookieName = "selfimprove-session";

    /// <summary>How long a sign-in lasts.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>Largest sign-in form accepted, in bytes.</summary>
    public const int MaxFormBytes = 2048;

    public ApiKeyRing Keys => keys;

    /// <summary>Null when the request may see a page needing <paramref name="scope"/>; otherwise the answer: the sign-in page (303) or a 403 page.</summary>
    public IResult? Require(HttpRequest request, ApiScope scope)
    {
        if (keys.IsOpen) return null;
        var links = PageLinks.Of(request);
        if (Read(request) is not { } session)
            return Results.Redirect($"{links.SignIn}?return={Uri.EscapeDataString($"{request.PathBase}{request.Path}")}", permanent: false);
        if (session.Scope < scope)
            return new HtmlPage("Not allowed", StatusCodes.Status403Forbidden)
                .Paragraph($"You signed in with the key '{session.Name}' ({session.Scope.ToWire()}); this page needs a {scope.ToWire()} key.")
                .Raw($"<p><a href=\"{HtmlPage.E(links.SignIn)}\">Sign in with another key</a></p>");
        return null;
    }

    /// <summary>The session the request's cookie holds, or null (none, expired, forged, or its key changed).</summary>
    public (string Name, ApiScope Scope)? Read(HttpRequest request)
    {
        var value = request.Cookies[CookieName];
        if (value?.Split('.') is not [var name, var expires, var mac]) return null;
        if (keys.Named(name) is not { } key || !long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return null;
        if (DateTimeOffset.FromUnixTimeSeconds(Math.Min(seconds, 253402300799)) <= clock.GetUtcNow()) return null;
        var expected = Mac(key.Key, name, expires);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(mac), Encoding.ASCII.GetBytes(expected)) ? (name, key.Scope) : null;
    }

    /// <summary><c>GET /ui/sign-in</c>: the form.</summary>
    public IResult SignInPage(HttpRequest request) => Form(PageLinks.Of(request), SafeReturn(request, request.Query["return"].FirstOrDefault()), null, StatusCodes.Status200OK);

    /// <summary>
    /// <c>POST /ui/sign-in</c> (<c>application/x-www-form-urlencoded</c>: <c>key</c>, <c>return</c>): a key of the ring
    /// sets the session cookie and redirects to the page asked for; another gets the form again with 401.
    /// </summary>
    public async Task<IResult> SignInAsync(HttpRequest request)
    {
        var links = PageLinks.Of(request);
        if (!ApprovalForm.IsForm(request.ContentType) || request.ContentLength is null or > MaxFormBytes)
            return Form(links, links.Index, $"Send the form (at most {MaxFormBytes} bytes) from the sign-in page.", StatusCodes.Status400BadRequest);
        var buffer = new byte[MaxFormBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted)) > 0) length += read;
        var fields = await new FormReader(Encoding.UTF8.GetString(buffer, 0, length)).ReadFormAsync();
        var back = SafeReturn(request, fields.TryGetValue("return", out var r) ? r.ToString() : null);
        if (keys.Match(fields.TryGetValue("key", out var k) ? k.ToString() : null) is not { } match)
            return Form(links, back, "That is not a key of this server. Ask its operator for yours.", StatusCodes.Status401Unauthorized);

        var expires = clock.GetUtcNow() + Lifetime;
        var seconds = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        request.HttpContext.Response.Cookies.Append(CookieName, $"{match.Name}.{seconds}.{Mac(keys.Named(match.Name)!.Key, match.Name, seconds)}", new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = request.IsHttps, Path = links.Index, Expires = expires, IsEssential = true,
        });
        HtmlPage.Secure(request.HttpContext.Response.Headers);
        return Results.Redirect(back, permanent: false);
    }

    /// <summary><c>POST /ui/sign-out</c>: ends the session (the cookie is removed) and shows the sign-in page.</summary>
    public IResult SignOut(HttpRequest request)
    {
        var links = PageLinks.Of(request);
        request.HttpContext.Response.Cookies.Delete(CookieName, new CookieOptions { Path = links.Index, SameSite = SameSiteMode.Strict, HttpOnly = true, Secure = request.IsHttps });
        return Form(links, links.Index, "Signed out.", StatusCodes.Status200OK);
    }

    /// <summary>The sign-out button the pages show when a session is open.</summary>
    public static string SignOutForm(PageLinks links) =>
        $"<form method=\"post\" action=\"{HtmlPage.E(links.SignOut)}\"><button type=\"submit\">Sign out</button></form>";

    private static HtmlPage Form(PageLinks links, string back, string? message, int status)
    {
        var page = new HtmlPage("Sign in", status);
        if (message is not null) page.Paragraph(message);
        return page.Paragraph("The pages need a key of this server (labeller, operator or admin). It is sent once, in this form; the browser keeps a session cookie, not the key.")
            .Raw($"<form method=\"post\" action=\"{HtmlPage.E(links.SignIn)}\" enctype=\"{ApprovalForm.MediaType}\">" +
                 $"<input type=\"hidden\" name=\"return\" value=\"{HtmlPage.E(back)}\">" +
                 "<label for=\"key\">Key</label><input type=\"password\" id=\"key\" name=\"key\" required autocomplete=\"current-password\">" +
                 "<button type=\"submit\">Sign in</button></form>");
    }

    /// <summary>Where to go after signing in: a path under the pages' base, else the index (never another site).</summary>
    private static string SafeReturn(HttpRequest request, string? given)
    {
        var links = PageLinks.Of(request);
        return given is { Length: < 512 } && given.StartsWith(links.Index, StringComparison.Ordinal)
            && !given.Contains("//", StringComparison.Ordinal) && !given.Contains('\\') && !given.Any(char.IsControl) ? given : links.Index;
    }

    private static string Mac(string key, string name, string expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{name}.{expires}")));
}
