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
