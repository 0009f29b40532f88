using System.CommandLine;

namespace ChatBot.Host.Cli;

/// <summary>
/// The host's command-line verbs, on System.CommandLine: each verb declares its options (so <c>--help</c> prints
/// them, and an unknown option is an error, exit 2); anything that is not a verb starts the server.
/// </summary>
internal static class CliVerbs
{
    private static readonly string[] Verbs = ["simulate", "forge-model", "knowledge", "audit", "quota", "doctor"];

    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args is ["help" or "--help" or "-h", ..])
        {
            args = ["--help"];
        }
        else if (args.Length == 0 || !Verbs.Contains(args[0]))
        {
            return null;
        }

        RootCommand root = new("ChatBot: a self-hosted chat-ops bot for WeCom and DingTalk. Without a verb, the bot starts (ASP.NET Core configuration: appsettings, environment).")
        {
            SimulateCommand.Create(),
            ForgeModelCommand.Create(),
            KnowledgeCommand.Create(),
            AuditCommand.Create(),
            QuotaCommand.Create(),
            DoctorCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"{args[0]}: {error.Message} (--help lists the options)");
            }

            return 2;
        }

        return await parsed.InvokeAsync();
    }

    public static Option<string> Value(string name, string description) => new("--" + name) { Description = description };

    public static Option<bool> Flag(string name, string description) => new("--" + name) { Description = description };

    /// <summary>The options given on the command line, as the verbs read them: name → value, a flag → "true".</summary>
    public static Dictionary<string, string> Values(ParseResult result)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in result.CommandResult.Command.Options)
        {
            if (result.GetResult(option) is { Implicit: false } given && option.Name.StartsWith("--", StringComparison.Ordinal))
            {
                values[option.Name[2..]] = given.Tokens.Count > 0 ? given.Tokens[0].Value : "true";
            }
        }

        return values;
    }
}
