using 'main.bicep'

param namePrefix = 'selfimprove'
param monitoringSchedule = '0 */15 * * * *'
param deployOpenAI = false
