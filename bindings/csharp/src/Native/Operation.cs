using System.Text;

namespace OpenConnectors.Native
{
    // The operations of oc_call and oc_call_async, each with its name as NUL-terminated UTF-8,
    // encoded once for the life of the process.
    internal sealed class Operation
    {
        internal static readonly Operation OAuthUrl = new Operation("oauth_url");
        internal static readonly Operation CreateInstance = new Operation("create_instance");
        internal static readonly Operation GetInstance = new Operation("get_instance");
        internal static readonly Operation ListInstances = new Operation("list_instances");
        internal static readonly Operation UpdateInstance = new Operation("update_instance");
        internal static readonly Operation DeleteInstance = new Operation("delete_instance");
        internal static readonly Operation Request = new Operation("request");
        internal static readonly Operation ParseCallback = new Operation("parse_callback");
        internal static readonly Operation AwaitCallback = new Operation("await_callback");
        internal static readonly Operation VerifyWebhook = new Operation("verify_webhook");

        private Operation(string name)
        {
            Name = name;
            Utf8Name = Encoding.ASCII.GetBytes(name + "\0");
        }

        internal string Name { get; }

        internal byte[] Utf8Name { get; }

        public override string ToString()
        {
            return Name;
        }
    }
}
