using ChatBot.Host.Hosting;
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
