using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Siyu.Server.Tests.Auth;

/// <summary>
/// With Siyu:DataProtectionKey configured, the data-protection key ring on disk is encrypted: the key files hold no
/// master key in the clear, a restart with the same configuration keeps sessions valid, and a different key cannot
/// read the ring, so sessions signed before are refused.
/// </summary>
public sealed class KeyRingEncryptionTests
{
    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "siyu-tests", "keyring-" + Guid.NewGuid().ToString("N"));

    private static SiyuFactory Factory(string dir, string key) =>
        new(dir, settings: new Dictionary<string, string> { ["Siyu:DataProtectionKey"] = key });

    private static async Task<string> SignInCookieAsync(SiyuFactory factory)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "demo", ["username"] = "admin", ["password"] = SiyuFactory.AdminPassword, ["returnUrl"] = "/",
        }));
        Assert.Equal("/", login.Headers.Location?.ToString());
        return login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("siyu.auth=", StringComparison.Ordinal)).Split(';')[0];
    }

    private static async Task<HttpStatusCode> WithCookieAsync(SiyuFactory factory, string cookie)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tenant");
        request.Headers.Add("Cookie", cookie);
        return (await client.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task The_key_ring_is_encrypted_on_disk_and_only_the_configured_key_opens_it()
    {
        var dir = NewDirectory();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string cookie;
        await using (var first = Factory(dir, key))
        {
            cookie = await SignInCookieAsync(first);
            Assert.Equal(HttpStatusCode.OK, await WithCookieAsync(first, cookie));
        }
        var files = Directory.GetFiles(Path.Combine(dir, "keys"), "key-*.xml");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var xml = await File.ReadAllTextAsync(file);
            Assert.Contains("siyuEncryptedKey", xml);
            Assert.Contains("enc:v1:keyring:", xml);
            Assert.DoesNotContain("<masterKey", xml);
        }

        await using (var again = Factory(dir, key))
        {
            Assert.Equal(HttpStatusCode.OK, await WithCookieAsync(again, cookie));
        }
        await using (var other = Factory(dir, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await WithCookieAsync(other, cookie));
        }
    }

    [Fact]
    public void A_malformed_key_stops_the_start_naming_the_setting()
    {
        using var factory = Factory(NewDirectory(), "c2hvcnQ=");
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Siyu:DataProtectionKey", error.ToString());
    }
}
