namespace ChatBot.Host.Cli;

/// <summary>The host's command-line verbs; anything else starts the server.</summary>
internal static class CliVerbs
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            return null;
        }

        // Every verb answers --help, wherever it stands, with what it takes, and never runs when asked for help.
        if (args.Length > 1 && args[1..].Any(a => a is "--help" or "-h"))
        {
            if (Usage.TryGetValue(args[0], out var usage))
            {
                Console.WriteLine(usage);
                return 0;
            }

            args = [args[0], "--help"];
        }

        return args[0] switch
        {
            "simulate" => await SimulateCommand.RunAsync(args[1..]),
            "forge-model" => ForgeModelCommand.Run(args[1..]),
            "knowledge" => await KnowledgeCommand.RunAsync(args[1..]),
            "audit" => await AuditCommand.RunAsync(args[1..]),
            "quota" => await QuotaCommand.RunAsync(args[1..]),
            "doctor" => await DoctorCommand.RunAsync(args[1..]),
            "help" or "--help" or "-h" => Help(),
            _ => null,
        };
    }

    private static int Help()
    {
        Console.WriteLine("""
            ChatBot.Host                       start the bot (ASP.NET Core configuration: appsettings, environment)
            ChatBot.Host simulate [options]    send a signed, encrypted callback to a running bot and print the outcome
            ChatBot.Host forge-model [options] write a synthetic Qwen2-architecture GGUF (random weights, real tokenizer)
            ChatBot.Host knowledge search|eval check what the bot retrieves and cites from the policy documents (--help)
            ChatBot.Host audit [filters]       the audit trail by user, date range and outcome, as JSON lines or CSV (--help)
            ChatBot.Host quota show|reset      a user's quota today, or a reset of it, on the shared Redis ledger (--help)
            ChatBot.Host doctor [--json]       check the settings, keys, platform access, Redis, model and admin files; exit 1 if anything fails
            """);
        return 0;
    }

    /// <summary>The verbs whose options are all flags and values (the others print their own, richer help).</summary>
    private static readonly Dictionary<string, string> Usage = new(StringComparer.Ordinal)
    {
        ["simulate"] = """
            simulate [--platform wecom-aibot|wecom-app|dingtalk] [--user ID] [--text TEXT] [--group CHATID] [--url URL] [--wait SECONDS] [--keys FILE]
                     sends a signed, encrypted callback as the platform would (wecom-aibot, user alice, 你好, to http://127.0.0.1:5080),
                     prints the HTTP outcome and, in the demo profile, the answer as it streams (waiting up to 120 s);
                     the keys are the demo key file's (Demo:KeyFile) or the configured channels'.
            """,
        ["forge-model"] = """
            forge-model [--shape tiny|qwen2.5-0.5b] [--type q4_k_m|q8_0|f16|f32] [--out FILE] [--stop-immediately] [--native DIR] [--vocab FILE]
                     writes a synthetic Qwen2-architecture GGUF: random weights, the real Qwen2 tokenizer (for tests, benchmarks and the demo).
            """,
        ["doctor"] = """
            doctor [--json]
                     checks the settings, each channel's keys, platform access and tokens, Redis, the model file and the admin files,
                     with a verdict and the fix for each; exit 1 when anything fails. Reads the same settings as the bot.
            """,
    };

    /// <summary>Reads <c>--name value</c> pairs; a flag without a value reads as "true".</summary>
    public static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'; options are --name value.");
            }

            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            options[args[i][2..]] = hasValue ? args[++i] : "true";
        }

        return options;
    }
}
