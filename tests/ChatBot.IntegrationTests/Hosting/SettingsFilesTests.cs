using ChatBot.Host.Hosting;
using ChatBot.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>The settings precedence the README promises: shipped defaults &lt; appsettings.Local.json &lt; environment.</summary>
public sealed class SettingsFilesTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("chatbot-settings");
    private readonly string _section = "ChatBotPrecedence" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable($"{_section}__FromEnvironment", null);
        _root.Delete(recursive: true);
    }

    [Fact]
    public void Shipped_defaults_load_from_beside_the_binary_and_the_environment_beats_the_local_file()
    {
        File.WriteAllText(Path.Combine(_root.FullName, SettingsFiles.LocalFile), $$"""
            { "{{_section}}": { "FromLocal": "local", "FromEnvironment": "local" },
              "Logging": { "LogLevel": { "Hangfire": "Error" } } }
            """);
        Environment.SetEnvironmentVariable($"{_section}__FromEnvironment", "environment");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = _root.FullName, EnvironmentName = "Production" });

        builder.Configuration.AddSettingsFiles(_root.FullName);

        var configuration = builder.Configuration;
        Assert.Equal("local", configuration[$"{_section}:FromLocal"]);
        Assert.Equal("environment", configuration[$"{_section}:FromEnvironment"]);
        // From src/ChatBot.Host/appsettings.json, found beside the binary although the content root has none...
        Assert.Equal("Warning", configuration["Logging:LogLevel:Microsoft.AspNetCore"]);
        // ...and overridden by the local file.
        Assert.Equal("Error", configuration["Logging:LogLevel:Hangfire"]);
    }
}

/// <summary>A renamed setting keeps working under its old key, with a warning naming the new one; the new key wins.</summary>
public sealed class RenamedSettingsTests
{
    [Theory]
    [InlineData(null, "old {0}")]
    [InlineData("new {0}", "new {0}")]
    public void The_old_key_still_sets_the_renamed_option_and_start_up_says_so(string? newValue, string expected)
    {
        using var app = new ChatBotApp().With("Answers:QueuedText", "old {0}");
        if (newValue is not null)
        {
            app.With("Answers:PlaceInLineText", newValue);
        }

        app.Start();

        var options = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ChatBot.Core.Pipeline.AnswerOptions>>(app.Services).CurrentValue;
        Assert.Equal(expected, options.PlaceInLineText);
        var warning = Assert.Single(app.Logs.Lines, l => l.EventId == 1010);
        Assert.Contains("Answers:QueuedText was renamed Answers:PlaceInLineText", warning.Line, StringComparison.Ordinal);
    }
}
