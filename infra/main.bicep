// The SelfImprove Functions app in Azure: a Flex Consumption function app running src/SelfImprove.Functions,
// the storage account that holds the Durable Task hub and the artefact store, monitoring, and (optionally)
// Azure OpenAI for the LLM planner and teachers.
targetScope = 'resourceGroup'

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Prefix of resource names: 3-11 lower-case letters or digits.')
@minLength(3)
@maxLength(11)
param namePrefix string = 'selfimprove'

@description('NCRONTAB of the monitoring timer (six fields, seconds first).')
param monitoringSchedule string = '0 */15 * * * *'

@description('The most improvement runs one monitoring tick starts; agents beyond it are checked again by later ticks.')
@minValue(1)
@maxValue(10000)
param monitoringMaxRuns int = 25

@description('Where approval requests are posted (a Teams or Slack workflow URL); empty: the approval link goes to the logs.')
@secure()
param approvalNotifyUrl string = ''

@description('Memory of each function instance; training the student model needs about 2 GB.')
@allowed([2048, 4096])
param instanceMemoryMB int = 4096

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 20

@description('Create an Azure OpenAI account and a chat deployment for the LLM planner and teachers.')
param deployOpenAI bool = false

@description('The chat model to deploy when deployOpenAI is true.')
param openAIModel string = 'gpt-4o-mini'

@description('Version of that model.')
param openAIModelVersion string = '2024-07-18'

@description('Tokens per minute, in thousands, of the chat deployment.')
param openAICapacity int = 30

@description('Image of the GPU training worker (built from src/SelfImprove.Cli.Gpu/Dockerfile), e.g. myregistry.azurecr.io/selfimprove-worker-gpu:1.0; empty: no worker, training stays inline.')
param trainingWorkerImage string = ''

@description('Registry server of trainingWorkerImage pulled with the worker identity (which needs AcrPull there); empty: a public image.')
param trainingWorkerRegistry string = ''

@description('Serverless GPU workload profile of the worker: an A100 or a T4 per replica. Check the region with az containerapp env workload-profile list-supported.')
@allowed(['Consumption-GPU-NC24-A100', 'Consumption-GPU-NC8as-T4'])
param trainingWorkerGpuProfile string = 'Consumption-GPU-NC8as-T4'

@description('The training queue the orchestration submits jobs to and the worker takes them from.')
param trainingQueueName string = 'training-jobs'

@description('Task hub of the function app, as host.json names it (extensions.durableTask.hubName); the worker reads the same store.')
param taskHubName string = 'SelfImproveHub'

@description('Longest a worker replica runs, in seconds: one job, its retries included.')
@minValue(300)
param trainingWorkerTimeoutSeconds int = 3600

@description('Most worker replicas running at once (one job each).')
@minValue(1)
@maxValue(100)
param trainingWorkerMaxExecutions int = 4

var suffix = uniqueString(resourceGroup().id, namePrefix)
var storageName = take('${namePrefix}${suffix}', 24)
var appName = '${namePrefix}-${suffix}'
var deploymentContainer = 'deployments'
var artifactContainer = 'selfimprove'
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var cognitiveServicesOpenAIUser = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var deployTrainingWorker = !empty(trainingWorkerImage)
var gpuProfileName = 'gpu'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-insights-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

// The task hub (queues, tables, blobs of the Durable Task Azure Storage provider) and the artefacts
// (model versions, batches, run reports, feedback, approval tokens as hashes) live here.
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: deploymentContainer
}

resource artifacts 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: artifactContainer
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// Training jobs (docs/training-job.schema.json), one message each; the worker moves a message dequeued too often to '<name>-poison'.
resource trainingQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queues
  name: trainingQueueName
}

resource trainingQueuePoison 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queues
  name: '${trainingQueueName}-poison'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource openAI 'Microsoft.CognitiveServices/accounts@2024-10-01' = if (deployOpenAI) {
  name: '${namePrefix}-openai-${suffix}'
  location: location
  kind: 'OpenAI'
  sku: { name: 'S0' }
  properties: {
    customSubDomainName: '${namePrefix}-openai-${suffix}'
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: true
  }
}

resource chat 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = if (deployOpenAI) {
  parent: openAI
  name: openAIModel
  sku: {
    name: 'GlobalStandard'
    capacity: openAICapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: openAIModel
      version: openAIModelVersion
    }
  }
}

var baseSettings = [
  // Durable Functions and the artefact store read the same account, as the self-hosted server does.
  { name: 'AzureWebJobsStorage', value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}' }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  { name: 'SelfImprove__MonitoringSchedule', value: monitoringSchedule }
  { name: 'SelfImprove__Monitoring__MaxRuns', value: string(monitoringMaxRuns) }
  { name: 'SelfImprove__ArtifactContainer', value: artifactContainer }
  { name: 'SelfImprove__AgentsFolder', value: 'workflows' }
  { name: 'SelfImprove__Approval__NotifyUrl', value: approvalNotifyUrl }
]
var openAISettings = deployOpenAI ? [
  { name: 'SelfImprove__OpenAI__Kind', value: 'azure-openai' }
  { name: 'SelfImprove__OpenAI__Endpoint', value: openAI!.properties.endpoint }
  { name: 'SelfImprove__OpenAI__Deployment', value: openAIModel }
] : []

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat(baseSettings, openAISettings, [
        { name: 'SelfImprove__PublicBaseUrl', value: 'https://${appName}.azurewebsites.net/' }
      ])
    }
  }
}

// The app deploys its package from the deployments container with its own identity.
resource deploymentAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, app.id, storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Keyless access to Azure OpenAI (DefaultAzureCredential picks up the app's identity).
resource openAIAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployOpenAI) {
  scope: openAI
  name: guid(openAI.id, app.id, cognitiveServicesOpenAIUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cognitiveServicesOpenAIUser)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The GPU training worker: a Container Apps job on a serverless GPU profile, one execution per queued training job
// (KEDA azure-queue scaler), running `selfimprove train-worker --once` from the GPU image.
resource workerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = if (deployTrainingWorker) {
  name: '${namePrefix}-worker-${suffix}'
  location: location
}

// Least privilege: the training queue and its poison queue (create them, take, renew, delete and add messages: Storage Queue
// Data Message Processor cannot renew a message's visibility or add to the poison queue); read and write the artefact blobs
// (job inputs, status, heartbeats, versions). No table role: the worker wakes no run by event, each run's status check finds its job.
resource workerQueueAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployTrainingWorker) {
  scope: storage
  name: guid(storage.id, '${namePrefix}-worker-${suffix}', storageQueueDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: workerIdentity!.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource workerBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployTrainingWorker) {
  scope: storage
  name: guid(storage.id, '${namePrefix}-worker-${suffix}', storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: workerIdentity!.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// GPU workload profiles can only be added when the environment is created.
resource workerEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = if (deployTrainingWorker) {
  name: '${namePrefix}-env-${suffix}'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
    workloadProfiles: [
      { name: 'Consumption', workloadProfileType: 'Consumption' }
      { name: gpuProfileName, workloadProfileType: trainingWorkerGpuProfile }
    ]
  }
}

var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}'

resource trainingWorker 'Microsoft.App/jobs@2024-03-01' = if (deployTrainingWorker) {
  name: '${namePrefix}-train-${suffix}'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${workerIdentity.id}': {} }
  }
  dependsOn: [workerQueueAccess, workerBlobAccess]
  properties: {
    environmentId: workerEnvironment.id
    workloadProfileName: gpuProfileName
    configuration: {
      triggerType: 'Event'
      replicaTimeout: trainingWorkerTimeoutSeconds
      // The worker retries through the queue (visibility timeout, poison queue), not through replica restarts.
      replicaRetryLimit: 0
      secrets: [
        { name: 'storage-connection', value: storageConnection }
      ]
      registries: empty(trainingWorkerRegistry) ? [] : [
        { server: trainingWorkerRegistry, identity: workerIdentity.id }
      ]
      eventTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
        scale: {
          minExecutions: 0
          maxExecutions: trainingWorkerMaxExecutions
          pollingInterval: 30
          rules: [
            {
              name: 'training-queue'
              type: 'azure-queue'
              metadata: {
                accountName: storage.name
                queueName: trainingQueueName
                queueLength: '1'
              }
              auth: [
                { secretRef: 'storage-connection', triggerParameter: 'connection' }
              ]
            }
          ]
        }
      }
    }
    template: {
      containers: [
        {
          name: 'train-worker'
          image: trainingWorkerImage
          args: ['train-worker', '--once']
          // A serverless GPU replica: the profile's whole share (T4: 8 vCPU / 56 GiB, A100: 24 vCPU / 220 GiB).
          resources: trainingWorkerGpuProfile == 'Consumption-GPU-NC24-A100'
            ? { cpu: json('24'), memory: '220Gi' }
            : { cpu: json('8'), memory: '56Gi' }
          env: [
            // Keyless: the worker signs in to the blob and queue services as the job's identity (AZURE_CLIENT_ID).
            { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
            { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
            { name: 'SELFIMPROVE_TRAINING_QUEUE', value: trainingQueueName }
            // The manifests baked into the image (src/SelfImprove.Cli.Gpu/Dockerfile), as the function app deploys them.
            { name: 'SELFIMPROVE_AGENTS', value: '/app/workflows' }
            // The function app's task hub (host.json extensions.durableTask.hubName): its blob container is the artefact store.
            { name: 'SELFIMPROVE_HUB', value: taskHubName }
            { name: 'SelfImprove__ArtifactContainer', value: artifactContainer }
            { name: 'AZURE_CLIENT_ID', value: workerIdentity!.properties.clientId }
            { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
          ]
        }
      ]
    }
  }
}

@description('The function app to publish src/SelfImprove.Functions to.')
output functionAppName string = app.name

@description('Base URL of the HTTP API (routes under /api).')
output apiBaseUrl string = 'https://${app.properties.defaultHostName}/'

@description('The storage account of the task hub and the artefacts.')
output storageAccountName string = storage.name

@description('The training queue.')
output trainingQueueName string = trainingQueue.name

@description('The GPU training worker job; empty when none is deployed.')
output trainingWorkerJobName string = deployTrainingWorker ? trainingWorker.name : ''

