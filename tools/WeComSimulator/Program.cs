using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Siyu.WeComSimulator;

/// <summary>
/// Standalone: <c>dotnet run --project tools/WeComSimulator -- --urls http://127.0.0.1:5199 --callback-url http://127.0.0.1:5080/...</c>.
/// Other switches: --corpid, --secret, --token, --aeskey, --agentid, --seed, --contacts.
/// </summary>
internal static class Program
{
    // Not top-level statements: those generate a public global Program class that would clash with the
    // server's own Program when the server references this project.
    public static async Task Main(string[] args)
    {
        var config = new ConfigurationBuilder().AddCommandLine(args).Build();
        var options = new SimulatorOptions { LogToConsole = true, MinimumLogLevel = LogLevel.Information };
        options.Urls = config["urls"] ?? options.Urls;
        options.CorpId = config["corpid"] ?? options.CorpId;
        if (config["secret"] is { } secret)
        {
            options.Secrets = [secret];
        }

        options.Token = config["token"] ?? options.Token;
        options.EncodingAESKey = config["aeskey"] ?? options.EncodingAESKey;
        options.CallbackUrl = config["callback-url"] ?? options.CallbackUrl;
        options.AgentId = config.GetValue("agentid", options.AgentId);
        options.Seed = config.GetValue("seed", options.Seed);
        options.ExternalContactCount = config.GetValue("contacts", options.ExternalContactCount);

        var app = SimulatorApp.Create(options, args);
        await app.StartAsync();
        Console.WriteLine($"WeCom simulator for corp {options.CorpId} at {SimulatorApp.GetBaseAddress(app)} "
            + $"(secret {options.Secrets[0]}, token {options.Token}, EncodingAESKey {options.EncodingAESKey}, "
            + $"callbacks to {options.CallbackUrl ?? "nowhere"})");
        await app.WaitForShutdownAsync();
    }
}
