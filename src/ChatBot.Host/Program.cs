using ChatBot.Host.Cli;
using ChatBot.Host.Hosting;

// Command-line verbs (simulate, forge-model, knowledge, audit, quota, doctor) run and exit without starting the server.
if (await CliVerbs.TryRunAsync(args) is { } exitCode)
{
    return exitCode;
}

var testing = false;
try
{
    var app = BotHost.Build(args, builder => testing = builder.Environment.EnvironmentName == "Testing");
    await app.RunAsync();
    return 0;
}
// The integration tests' host (environment Testing) receives the exception itself, to assert on it.
catch (Exception error) when (error is not HostAbortedException && !testing && StartupFailure.IsConfigurationProblem(error))
{
    return StartupFailure.Report(error, Console.Error);
}

/// <summary>Visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
