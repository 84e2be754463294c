using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// A real TCP listener on a free loopback port that answers every HTTP request with one fixed status and records
/// the request lines, standing in for the daemon's /readyz.
/// </summary>
internal sealed class StubHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;
    private readonly List<string> _requestLines = [];

    public StubHttpServer(int status, string reason)
    {
        _listener.Start();
        _serving = Task.Run(() => Serve(status, reason));
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<string> RequestLines
    {
        get
        {
            lock (_requestLines)
            {
                return [.. _requestLines];
            }
        }
    }

    private async Task Serve(int status, string reason)
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using (client)
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                string requestLine = await reader.ReadLineAsync(_stopping.Token) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(_stopping.Token)))
                {
                    // Headers are read to the blank line and ignored.
                }

                lock (_requestLines)
                {
                    _requestLines.Add(requestLine);
                }

                byte[] response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(response, _stopping.Token);
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with the listener; its exception is the expected way out.
        }

        _stopping.Dispose();
    }
}
