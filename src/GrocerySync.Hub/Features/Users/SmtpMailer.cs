using System.ComponentModel.DataAnnotations;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace GrocerySync.Hub.Features.Users;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<SmtpSecurity>))]
public enum SmtpSecurity
{
    /// <summary>STARTTLS when the server offers it.</summary>
    Auto = 0,

    /// <summary>Plain SMTP (a local relay or a test sink only).</summary>
    None = 1,

    /// <summary>STARTTLS, required.</summary>
    StartTls = 2,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect = 3,
}

/// <summary>Settings under <c>Hub:Smtp</c>. Without a host the hub sends no mail and hands invitation links to the inviting admin instead.</summary>
internal sealed class SmtpOptions
{
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender address, e.g. <c>hub@grocerysync.example</c>; required with a host.</summary>
    public string? From { get; set; }

    public string FromName { get; set; } = "GrocerySync Hub";

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>Sends plain-text mail through the configured SMTP server (MailKit).</summary>
internal sealed class SmtpMailer(IOptions<HubOptions> options)
{
    public bool IsConfigured => options.Value.Smtp.IsConfigured;

    public async Task SendAsync(string to, string subject, string text, CancellationToken ct)
    {
        var smtp = options.Value.Smtp;
        if (smtp.Host is null || smtp.From is null)
        {
            throw new InvalidOperationException("Hub:Smtp:Host and Hub:Smtp:From are not set.");
        }

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(smtp.FromName, smtp.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = text };

        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        var security = smtp.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTlsWhenAvailable,
        };
        await client.ConnectAsync(smtp.Host, smtp.Port, security, ct);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? string.Empty, ct);
        }

        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}
