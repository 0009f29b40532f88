namespace ChatBot.Host.Demo;

/// <summary>
/// Section <c>Demo</c> (appsettings.template.json). Read where the host is composed and by the verbs that talk to a
/// demo bot, before any container exists: the profile decides which settings the adapters then register with.
/// </summary>
internal sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Enabled { get; set; }

    /// <summary>Where the generated keys are kept; empty means the default.</summary>
    public string KeyFile { get; set; } = ".chatbot/demo-keys.json";

    /// <summary>The loopback stand-in gateway for the long-connection modes.</summary>
    public int GatewayPort { get; set; } = DemoGateway.DefaultPort;

    public static DemoOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<DemoOptions>() ?? new DemoOptions();
        if (string.IsNullOrEmpty(options.KeyFile))
        {
            options.KeyFile = new DemoOptions().KeyFile;
        }

        return options;
    }
}
