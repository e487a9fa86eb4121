import DNSCore
